"""A scriptable PZEM-004T on a pty for the fault tests meter-sim cannot stage: Modbus exception
replies. It answers read-input-registers requests (function 0x04) at one address either with a
reading (a fixed counter) or with an exception (function 0x84, code 0x04 "slave device failure"),
following `pattern`: a list of 'ok' / 'exception' used round-robin, changeable at any time."""
import os
import pty
import select
import threading
import tty

from support import crc16


class FakeMeter:
    def __init__(self, link, address=1, energy_wh=1000, power_dw=0):
        self.link = link
        self.address = address
        self.energy_wh = energy_wh
        self.power_dw = power_dw
        self.pattern = ["ok"]
        self.answers = {"ok": 0, "exception": 0}
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.ttyname(self.slave), link)
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def reading(self):
        registers = [2300, 0, 0, self.power_dw & 0xFFFF, self.power_dw >> 16,
                     self.energy_wh & 0xFFFF, self.energy_wh >> 16, 500, 100, 0]
        body = bytes([self.address, 0x04, 20]) + b"".join(r.to_bytes(2, "big") for r in registers)
        return body + crc16(body)

    def serve(self):
        buffer = b""
        turn = 0
        while not self.stopping:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                buffer = b""          # a silent gap ends a frame
                continue
            try:
                buffer += os.read(self.master, 256)
            except OSError:
                continue
            while len(buffer) >= 8:
                frame, buffer = buffer[:8], buffer[8:]
                if frame[0] != self.address or crc16(frame[:6]) != frame[6:8] or frame[1] != 0x04:
                    buffer = b""
                    break
                mode = self.pattern[turn % len(self.pattern)]
                turn += 1
                self.answers[mode] += 1
                if mode == "ok":
                    reply = self.reading()
                else:
                    body = bytes([self.address, 0x84, 0x04])
                    reply = body + crc16(body)
                os.write(self.master, reply)

    def close(self):
        self.stopping = True
        self.thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)
        if os.path.lexists(self.link):
            os.unlink(self.link)
