/// Consecutive guest pages saved together in a snapshot's memory section.
public struct PageRun: Equatable, Sendable {
    public static let pageSize: UInt64 = 4096
    /// Page index from the start of RAM.
    public var firstPage: UInt64
    public var pageCount: UInt64
    /// The checksum of the run's bytes as saved (HostChecksum.checksum64).
    public var checksum: UInt64

    public init(firstPage: UInt64, pageCount: UInt64, checksum: UInt64 = 0) {
        self.firstPage = firstPage
        self.pageCount = pageCount
        self.checksum = checksum
    }

    public var byteOffset: UInt64 { firstPage * PageRun.pageSize }
    public var byteCount: UInt64 { pageCount * PageRun.pageSize }
}
