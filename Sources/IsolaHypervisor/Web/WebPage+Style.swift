extension WebPage {
    static let style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #f6f7f9; }
        header { display: flex; align-items: baseline; gap: 1em; }
        h1 { font-size: 1.4em; margin: 0 0 .6em; }
        h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e3e6eb; vertical-align: middle; }
        th { font-weight: 600; background: #eef0f4; }
        .state { font-weight: 600; }
        .state-running { color: #137333; } .state-paused { color: #b06000; } .state-crashed { color: #c5221f; }
        .state-stopped, .state-created { color: #5f6368; } .state-stopping { color: #1a73e8; }
        .actions button { margin-right: .3em; }
        button { font: inherit; padding: .15em .6em; border: 1px solid #c4c9d2; border-radius: 4px; background: #fff; cursor: pointer; }
        button:hover { background: #eef3fd; }
        #message { padding: .5em .8em; border-radius: 4px; }
        #message.error { background: #fce8e6; color: #a50e0e; } #message.note { background: #e6f4ea; color: #0d652d; }
        canvas.cpu { vertical-align: middle; background: #f1f3f4; }
        td.cpu, td.actions, td.memory { white-space: nowrap; }
        .exit { max-width: 22em; font-size: .9em; color: #5f6368; white-space: pre-wrap; }
        #terminal { background: #000; padding: 4px; border-radius: 4px; max-width: 58em; }
        .columns { display: flex; gap: 3em; flex-wrap: wrap; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; margin: 0; }
        dt { color: #5f6368; } dd { margin: 0; font-family: ui-monospace, monospace; white-space: pre-wrap; }
        """
}
