/// Serializes a device tree into the flattened (DTB) format, version 17
/// (Devicetree Specification v0.4, chapter 5), which Linux and firmware read.
public enum FlattenedDeviceTree {
    static let magic: UInt32 = 0xD00D_FEED
    static let beginNode: UInt32 = 1, endNode: UInt32 = 2, property: UInt32 = 3, end: UInt32 = 9

    /// The DTB bytes of `root`, with an empty memory reservation map.
    public static func encode(_ root: DeviceTreeNode, bootCPU: UInt32 = 0) -> [UInt8] {
        var structure: [UInt8] = []
        var strings: [UInt8] = []
        var stringOffsets: [String: Int] = [:]

        func u32(_ v: UInt32) { structure += DeviceTreeNode.bigEndian(v) }
        func pad() { while structure.count % 4 != 0 { structure.append(0) } }
        func stringOffset(_ name: String) -> Int {
            if let o = stringOffsets[name] { return o }
            let o = strings.count
            strings += Array(name.utf8) + [0]
            stringOffsets[name] = o
            return o
        }
        func emit(_ node: DeviceTreeNode) {
            u32(beginNode)
            structure += Array(node.name.utf8) + [0]
            pad()
            for (name, value) in node.properties {
                let bytes = value.encoded
                u32(property)
                u32(UInt32(bytes.count))
                u32(UInt32(stringOffset(name)))
                structure += bytes
                pad()
            }
            for child in node.children { emit(child) }
            u32(endNode)
        }
        emit(root)
        u32(end)

        let headerSize = 40
        let reservationOffset = headerSize  // 8-byte aligned
        let reservation = [UInt8](repeating: 0, count: 16)  // one terminating (0, 0) entry
        let structOffset = reservationOffset + reservation.count
        let stringsOffset = structOffset + structure.count
        let total = stringsOffset + strings.count
        var header: [UInt8] = []
        for v in [magic, UInt32(total), UInt32(structOffset), UInt32(stringsOffset), UInt32(reservationOffset),
                  17, 16, bootCPU, UInt32(strings.count), UInt32(structure.count)] {
            header += DeviceTreeNode.bigEndian(v)
        }
        return header + reservation + structure + strings
    }
}
