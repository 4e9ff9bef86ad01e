import IsolaHost
import IsolaVMM

/// Where the page's terminal emulator comes from: xterm.js as Debian packages it
/// (`libjs-xterm`), served by Isola itself so the page needs no network. Bookworm's
/// package holds only a CommonJS stub, so `scripts/web-assets.sh` (run by
/// `scripts/setup.sh`) unpacks trixie's browser build into `$ISOLA_CACHE/web/xterm`;
/// a host whose own package is a browser build is used as it is.
struct TerminalAssets: Sendable {
    let script: [UInt8]
    let style: [UInt8]

    static var directories: [String] {
        [GuestImages.cacheDirectory + "/web/xterm", "/usr/share/javascript/xterm"]
    }

    /// The first directory with a browser build of xterm.js (a bundle that defines
    /// `Terminal` for the page), or nil: the page then says what to run.
    static func load() -> TerminalAssets? {
        for directory in directories {
            guard let script = try? HostFile.readAll(directory + "/xterm.js"), script.count > 64 << 10,
                  let style = try? HostFile.readAll(directory + "/xterm.css") else { continue }
            return TerminalAssets(script: script, style: style)
        }
        return nil
    }

    /// What the page loads in place of xterm.js when there is none: it reports the fact.
    static let missingScript = """
        window.isolaTerminalMissing = "xterm.js is missing: run scripts/setup.sh (it unpacks Debian's libjs-xterm into \\
        $ISOLA_CACHE/web/xterm)";
        """
}
