import IsolaDevices

/// A byte range of a disk image, the whole disk or one partition, whose reads are
/// checked against the range: a file system's block numbers come from the guest.
struct DiskRegion {
    let image: DiskImage
    /// The image's path, for errors.
    let name: String
    let start: UInt64
    let length: UInt64

    init(image: DiskImage, name: String) {
        (self.image, self.name, start, length) = (image, name, 0, image.byteCount)
    }

    init(image: DiskImage, name: String, start: UInt64, length: UInt64) {
        (self.image, self.name, self.start, self.length) = (image, name, start, length)
    }

    /// The part of this region from `offset` for `length` bytes (a partition of a disk).
    func subregion(at offset: UInt64, length: UInt64) throws(BootLoaderError) -> DiskRegion {
        guard offset <= self.length, length <= self.length - offset else {
            throw .corrupt(disk: name, structure: "partition table", reason: "a partition at \(offset) of \(length) bytes overruns the \(self.length)-byte disk")
        }
        return DiskRegion(image: image, name: name, start: start + offset, length: length)
    }

    func read(at offset: UInt64, count: Int) throws(BootLoaderError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        // withUnsafeMutableBytes rethrows untyped; the error is carried out by hand.
        // SAFETY: `buffer` is `bytes`' own storage, `count` bytes, used only inside the closure.
        let failure: BootLoaderError? = bytes.withUnsafeMutableBytes { buffer in
            do throws(BootLoaderError) { try read(into: buffer, at: offset) } catch { return error }
            return nil
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` from `offset` on.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BootLoaderError) {
        let count = UInt64(buffer.count)
        guard offset <= length, count <= length - offset else {
            throw .unreadable(disk: name, offset: offset, count: buffer.count)
        }
        guard count > 0 else { return }
        // SAFETY: `buffer` is the caller's own writable memory of exactly `count` bytes.
        guard let base = buffer.baseAddress, image.read(into: base, count: buffer.count, at: start + offset) else {
            throw .unreadable(disk: name, offset: offset, count: buffer.count)
        }
    }
}

/// Little-endian fields of an on-disk structure, each read checked against the
/// bytes read: a corrupt length cannot make the reader look past them.
struct DiskRecord {
    let bytes: [UInt8]
    /// What the bytes are ("superblock", "inode 12"), for errors.
    let structure: String
    let disk: String

    var count: Int { bytes.count }

    func field<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, at offset: Int) throws(BootLoaderError) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= bytes.count - size else {
            throw .corrupt(disk: disk, structure: structure, reason: "a field at offset \(offset) lies past its \(bytes.count) bytes")
        }
        var value: T = 0
        for i in (0..<size).reversed() { value = value << 8 | T(bytes[offset + i]) }
        return value
    }

    func u8(_ offset: Int) throws(BootLoaderError) -> UInt8 { try field(UInt8.self, at: offset) }
    func u16(_ offset: Int) throws(BootLoaderError) -> UInt16 { try field(UInt16.self, at: offset) }
    func u32(_ offset: Int) throws(BootLoaderError) -> UInt32 { try field(UInt32.self, at: offset) }
    func u64(_ offset: Int) throws(BootLoaderError) -> UInt64 { try field(UInt64.self, at: offset) }

    func slice(_ offset: Int, count: Int) throws(BootLoaderError) -> ArraySlice<UInt8> {
        guard offset >= 0, count >= 0, offset <= bytes.count - count else {
            throw .corrupt(disk: disk, structure: structure, reason: "\(count) bytes at offset \(offset) lie past its \(bytes.count) bytes")
        }
        return bytes[offset..<(offset + count)]
    }

    func corrupt(_ reason: String) -> BootLoaderError { .corrupt(disk: disk, structure: structure, reason: reason) }
}
