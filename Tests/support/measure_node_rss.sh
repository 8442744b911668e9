#!/bin/bash
# Builds node-probe (the node transport alone, Embedded Swift, like the firmware) and prints its
# memory before and after curl_global_init and requests over http, https with a private CA, and
# https with the system CA bundle. Usage: bash Tests/support/measure_node_rss.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p build
swiftc -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -module-name NodeProbe \
  -I Sources/CSystem -I Sources/CCurl \
  Sources/Daemon/Node/*.swift Sources/Daemon/OS/*.swift Sources/Daemon/Entry.swift \
  Tests/support/node_probe/NodeProbe.swift \
  -Xlinker -L"$toolchain/lib/swift/embedded/x86_64-unknown-linux-gnu" -lswiftUnicodeDataTables -lm -lcurl \
  -o build/node-probe
( cd "$work"
  ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=probe-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req $ec -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > ext.cnf
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile ext.cnf 2>/dev/null )
python3 Tests/support/http_test_server.py --port-file "$work/http" &
python3 Tests/support/http_test_server.py --port-file "$work/https" --cert "$work/server.pem" --key "$work/server.key" &
for _ in $(seq 100); do [ -e "$work/http" ] && [ -e "$work/https" ] && break; sleep 0.05; done
echo "== http://127.0.0.1 (no TLS), 3 requests"
build/node-probe "http://127.0.0.1:$(cat "$work/http")/echo" - 3
echo "== https, iota.ca_file = a private CA, 3 requests"
build/node-probe "https://127.0.0.1:$(cat "$work/https")/echo" "$work/ca.pem" 3
echo "== https, system CA bundle (verification fails: the server's CA is private), 2 requests"
build/node-probe "https://127.0.0.1:$(cat "$work/https")/echo" - 2
echo "== https, system CA bundle, DNS failure (resolver thread)"
build/node-probe "https://nonexistent.invalid/" - 1
echo "== a resolver that takes 2 s (getaddrinfo interposed): the loop must keep turning"
printf '#include <netdb.h>\n#include <unistd.h>\nint getaddrinfo(const char *n, const char *s, const struct addrinfo *h, struct addrinfo **r) { sleep(2); return EAI_NONAME; }\n' > "$work/slowdns.c"
gcc -shared -fPIC -o "$work/slowdns.so" "$work/slowdns.c"
LD_PRELOAD="$work/slowdns.so" build/node-probe "https://slow.example/" - 1
ls -l build/node-probe
if [ "${1:-}" = "--aarch64" ]; then
  mkdir -p build/aarch64
  swiftc -target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -parse-as-library -Osize \
    -module-name NodeProbe -Xcc -D__linux__ -Xcc -D__unix__ -Xcc -D__gnu_linux__ \
    -Xcc -isystem -Xcc /usr/aarch64-linux-gnu/include -Xcc -isystem -Xcc /usr/include/aarch64-linux-gnu \
    -Xcc -idirafter -Xcc /usr/include -I Sources/CSystem -I Sources/CCurl \
    Sources/Daemon/Node/*.swift Sources/Daemon/OS/*.swift Sources/Daemon/Entry.swift \
    Tests/support/node_probe/NodeProbe.swift \
    -Xclang-linker --target=aarch64-linux-gnu -Xclang-linker --gcc-toolchain=/usr -Xclang-linker -fuse-ld=bfd \
    -Xclang-linker -L/usr/lib/aarch64-linux-gnu \
    -Xclang-linker -L"$toolchain/lib/swift/embedded/aarch64-none-none-elf" \
    -lswiftUnicodeDataTables -lm -lcurl -o build/aarch64/node-probe
  echo "== aarch64 under qemu: http://127.0.0.1, 2 requests; https with the private CA"
  qemu-aarch64-static -L / build/aarch64/node-probe "http://127.0.0.1:$(cat "$work/http")/echo" - 2
  qemu-aarch64-static -L / build/aarch64/node-probe "https://127.0.0.1:$(cat "$work/https")/echo" "$work/ca.pem" 1
fi
