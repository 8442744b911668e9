/// The most IOTA that can exist, as a sanity bound on amounts a node reports. IOTA Rebased's
/// genesis supply was about 4.6 billion IOTA (4.6e18 nanos; iota-rpc.md §3), and inflation adds a
/// few percent a year; 5 billion IOTA leaves that headroom while staying far below Int64.max
/// (9.2e18). A balance change beyond it is node nonsense: that entry is refused, never credited
/// (a credit that would overflow an account's total is refused when it is journaled).
public enum IotaSupply {
    public static let maxNanos: Int64 = 5_000_000_000 * 1_000_000_000
}
