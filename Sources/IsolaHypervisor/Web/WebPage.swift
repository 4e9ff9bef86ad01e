/// The web console's two pages. They hold no script of their own (the security
/// policy allows none inline): `app.js` fills them through the API, writing every
/// value as text, never as markup.
enum WebPage {
    static let index = document(page: "index", styles: ["/assets/style.css"], scripts: ["/assets/app.js"], body: """
        <header><h1>Isola</h1><span id="summary"></span></header>
        <p id="message" role="alert" hidden></p>
        <table id="vms">
        <thead><tr><th>VM</th><th>State</th><th>vCPUs</th><th>Memory: set / touched / worker</th><th>CPU</th><th>Uptime</th><th>Last exit</th><th>Actions</th></tr></thead>
        <tbody></tbody>
        </table>
        <p id="empty" hidden>No VMs yet: create one with <code>isola vm create</code> or <code>POST /vms</code>.</p>
        """)

    static let machine = document(page: "vm", styles: ["/assets/xterm.css", "/assets/style.css"],
                                  scripts: ["/assets/xterm.js", "/assets/app.js"], body: """
        <header><a href="/">All VMs</a><h1 id="title"></h1><span id="state" class="state"></span></header>
        <p id="message" role="alert" hidden></p>
        <div id="actions" class="actions"></div>
        <section><h2>Console</h2><div id="terminal"></div></section>
        <section class="columns">
        <div><h2>Configuration and counters</h2><dl id="configuration"></dl></div>
        <div><h2>Snapshots</h2><p class="actions"><input id="tag" placeholder="tag" maxlength="60"> <button id="save">Save snapshot</button></p><ul id="snapshots"></ul></div>
        </section>
        """)

    /// A page: the head both pages share, `body`, then `scripts`; `page` tells `app.js` which it is.
    private static func document(page: String, styles: [String], scripts: [String], body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Isola</title>
        \(styles.map { "<link rel=\"stylesheet\" href=\"\($0)\">" }.joined(separator: "\n"))
        </head>
        <body data-page="\(page)">
        \(body)
        \(scripts.map { "<script src=\"\($0)\"></script>" }.joined(separator: "\n"))
        </body>
        </html>

        """
    }
}
