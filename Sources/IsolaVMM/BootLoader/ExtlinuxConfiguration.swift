/// A boot menu in the syslinux format that U-Boot's distro boot reads from
/// `extlinux/extlinux.conf` and Debian's u-boot-menu writes: labels, each with a
/// kernel, initrds and a command line, and which label boots by default.
struct ExtlinuxConfiguration: Equatable {
    struct Entry: Equatable {
        var label: String
        var kernel: String?
        var initrds: [String] = []
        var append: String?
        /// `localboot`: this entry boots another device, not a kernel.
        var bootsLocally = false
    }

    var entries: [Entry] = []
    var defaultLabel: String?
    /// An `append` before the first label: the command line of labels without their own.
    var globalAppend: String?

    /// Parses the file; `disk` and `path` name it in errors.
    init(text: String, disk: String, path: String) throws(BootLoaderError) {
        // Any line ending: "\r\n" is one Character, so splitting on "\n" alone would not split it.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let (keyword, argument) = line.splitKeyword()
            func fail(_ reason: String) -> BootLoaderError { .configuration(disk: disk, path: path, line: index + 1, reason: reason) }
            func current() throws(BootLoaderError) -> Int {
                guard !entries.isEmpty else { throw fail("'\(keyword)' before any 'label'") }
                return entries.count - 1
            }
            switch keyword {
            case "default":
                defaultLabel = argument
            case "label":
                guard !argument.isEmpty else { throw fail("a label without a name") }
                entries.append(Entry(label: argument))
            case "kernel", "linux":
                guard !argument.isEmpty else { throw fail("'\(keyword)' without a path") }
                entries[try current()].kernel = argument
            case "initrd":
                entries[try current()].initrds = argument.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            case "append":
                if entries.isEmpty { globalAppend = argument } else { entries[entries.count - 1].append = argument }
            case "localboot":
                entries[try current()].bootsLocally = true
            case "menu":
                let (word, rest) = argument.splitKeyword()
                if word == "default" { defaultLabel = try entries[current()].label }
                if word == "include" { throw fail("'menu include \(rest)': included files are not supported") }
            case "include":
                throw fail("'include \(argument)': included files are not supported")
            default:
                // As U-Boot does, pass over the rest: menu layout, timeouts, and `fdt`
                // or `fdtdir`, which have nothing to replace (Isola makes the VM's device tree).
                break
            }
        }
    }

    /// The entry that boots without a choice: the `default` label, else the first.
    func defaultEntry(disk: String, path: String) throws(BootLoaderError) -> Entry {
        func fail(_ reason: String) -> BootLoaderError { .configuration(disk: disk, path: path, line: nil, reason: reason) }
        guard let first = entries.first else { throw fail("no 'label' to boot") }
        var entry = first
        if let defaultLabel {
            guard let named = entries.first(where: { $0.label == defaultLabel }) else {
                throw fail("the default label '\(defaultLabel)' is not one of \(entries.map { "'\($0.label)'" }.joined(separator: ", "))")
            }
            entry = named
        }
        guard !entry.bootsLocally else { throw fail("label '\(entry.label)' boots locally, not a kernel") }
        guard entry.kernel != nil else { throw fail("label '\(entry.label)' names no kernel") }
        if entry.append == nil { entry.append = globalAppend }
        return entry
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }

    /// The first word, lowercased (syslinux keywords ignore case), and the rest.
    func splitKeyword() -> (keyword: String, argument: String) {
        let text = String(self)
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (text.lowercased(), "") }
        return (text[..<space].lowercased(), text[space...].trimmingWhitespace())
    }
}
