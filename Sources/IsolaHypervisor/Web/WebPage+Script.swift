extension WebPage {
    /// The pages' behaviour. Every value from the API or the guest goes into the page
    /// through `textContent` (or the terminal emulator, which draws text), never as
    /// markup, so nothing a guest prints, and no VM name, can become script.
    static let script = #"""
        "use strict";
        (function () {
          const query = new URLSearchParams(location.search);
          if (query.has("token")) {
            sessionStorage.setItem("isolaToken", query.get("token"));
            query.delete("token");
            history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query.toString() : ""));
          }
          const token = sessionStorage.getItem("isolaToken") || "";

          async function api(method, path, body) {
            const options = { method: method, headers: { "Authorization": "Bearer " + token } };
            if (body !== undefined) {
              options.headers["Content-Type"] = "application/json";
              options.body = JSON.stringify(body);
            }
            const response = await fetch("/api" + path, options);
            const text = await response.text();
            let value = null;
            try { value = text ? JSON.parse(text) : null; } catch (e) { value = text; }
            if (!response.ok) {
              throw new Error(value && value.error ? value.error : response.status + " " + response.statusText);
            }
            return value;
          }

          function show(text, isError) {
            const message = document.getElementById("message");
            message.textContent = text || "";
            message.hidden = !text;
            message.className = isError ? "error" : "note";
          }

          function element(tag, attributes, text) {
            const node = document.createElement(tag);
            for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
            if (text !== undefined) node.textContent = text;
            return node;
          }

          function mib(bytes) { return bytes === undefined ? "-" : (bytes / 1048576).toFixed(1) + " MiB"; }
          function duration(seconds) {
            if (seconds === undefined) return "-";
            const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
            return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
          }
          function exitText(exit) {
            if (!exit) return "-";
            const when = exit.at ? new Date(exit.at * 1000).toLocaleTimeString() : "";
            const last = (exit.console || []).slice(-1)[0];
            return exit.reason + (when ? " at " + when : "") + (last ? "\nlast line: " + last : "");
          }

          // What each button asks of the API; the API decides, and its refusal is shown.
          function stamp() { return "snap-" + new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-"); }
          const actions = [
            ["start", "Start", vm => ["POST", "/start", {}]],
            ["pause", "Pause", vm => ["POST", "/pause", {}]],
            ["resume", "Resume", vm => ["POST", "/resume", {}]],
            ["stop", "Stop", vm => ["POST", "/stop", { timeoutSeconds: 10 }]],
            ["snapshot", "Snapshot", vm => ["POST", "/snapshots", { tag: stamp() }]],
            ["restore", "Restore", vm => ["POST", "/restore", { tag: (vm.snapshots || []).slice(-1)[0] || "" }]],
          ];

          async function perform(vm, action, label, request) {
            const [method, path, body] = request;
            try {
              const after = await api(method, "/vms/" + encodeURIComponent(vm.name) + path, body);
              show(label + " " + vm.name + ": " + (after && after.state ? after.state : "done"), false);
            } catch (error) {
              show(label + " " + vm.name + " refused: " + error.message, true);
            }
            refresh();
          }

          function buttons(container, current) {
            for (const [action, label, request] of actions) {
              const button = element("button", { "data-action": action }, label);
              button.addEventListener("click", () => perform(current(), action, label, request(current())));
              container.appendChild(button);
            }
          }

          function setState(node, state) {
            node.textContent = state;
            node.className = "state state-" + state;
          }

          // The list: one row per VM, made once and updated in place every second.
          const rows = new Map(), cpu = new Map();
          function draw(canvas, values) {
            const context = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
            context.clearRect(0, 0, w, h);
            const top = Math.max(100, ...values);
            context.strokeStyle = "#1a73e8";
            context.beginPath();
            values.forEach((v, i) => {
              const x = w - (values.length - 1 - i) * (w / 59), y = h - 1 - (v / top) * (h - 2);
              if (i === 0) context.moveTo(x, y); else context.lineTo(x, y);
            });
            context.stroke();
          }
          function row(vm) {
            let entry = rows.get(vm.name);
            if (!entry) {
              const tr = element("tr", { "data-vm": vm.name });
              const cells = {};
              for (const key of ["name", "state", "vcpus", "memory", "cpu", "uptime", "exit", "actions"]) {
                cells[key] = element("td", { "class": key });
                tr.appendChild(cells[key]);
              }
              const link = element("a", { href: "/vm?name=" + encodeURIComponent(vm.name) }, vm.name);
              cells.name.appendChild(link);
              cells.canvas = element("canvas", { "class": "cpu", width: "120", height: "24" });
              cells.percent = element("span");
              cells.cpu.append(cells.canvas, " ", cells.percent);
              cells.exit.className = "exit";
              entry = { tr: tr, cells: cells, vm: vm };
              buttons(cells.actions, () => entry.vm);
              rows.set(vm.name, entry);
              document.querySelector("#vms tbody").appendChild(tr);
            }
            entry.vm = vm;
            return entry;
          }
          async function refreshList() {
            let vms;
            try { vms = await api("GET", "/vms"); } catch (error) { show("cannot list the VMs: " + error.message, true); return; }
            document.getElementById("empty").hidden = vms.length > 0;
            document.getElementById("summary").textContent = vms.length + " VMs, " + vms.filter(v => v.state === "running").length + " running";
            const names = new Set(vms.map(v => v.name));
            for (const [name, entry] of rows) if (!names.has(name)) { entry.tr.remove(); rows.delete(name); }
            for (const vm of vms) {
              const { cells } = row(vm);
              setState(cells.state, vm.state);
              cells.vcpus.textContent = (vm.vcpusOnline !== undefined ? vm.vcpusOnline + " / " : "") + vm.vcpus;
              cells.memory.textContent = vm.memory + " / " + mib(vm.guestResidentBytes) + " / " + mib(vm.residentBytes);
              const history = cpu.get(vm.name) || [];
              history.push(vm.cpuPercent || 0);
              if (history.length > 60) history.shift();
              cpu.set(vm.name, history);
              draw(cells.canvas, history);
              cells.percent.textContent = (vm.cpuPercent || 0).toFixed(0) + "%";
              cells.uptime.textContent = duration(vm.uptimeSeconds);
              cells.exit.textContent = exitText(vm.lastExit);
            }
          }

          // One VM: its configuration, snapshots and console.
          const name = query.get("name");
          let current = { name: name };
          async function refreshMachine() {
            let vm;
            try { vm = await api("GET", "/vms/" + encodeURIComponent(name)); } catch (error) { show(error.message, true); return; }
            current = vm;
            document.title = vm.name + " - Isola";
            document.getElementById("title").textContent = vm.name;
            setState(document.getElementById("state"), vm.state);
            const list = document.getElementById("configuration");
            list.replaceChildren();
            const facts = [
              ["memory", vm.memory], ["vCPUs", vm.vcpus + (vm.vcpusOnline !== undefined ? " (" + vm.vcpusOnline + " online)" : "")],
              ["CPU share", JSON.stringify(vm.cpu)], ["restart", vm.restart + " (" + vm.restarts + " restarts)"],
              ["worker pid", vm.pid], ["uptime", duration(vm.uptimeSeconds)], ["CPU", vm.cpuPercent !== undefined ? vm.cpuPercent.toFixed(1) + "%" : undefined],
              ["guest RAM touched", vm.guestResidentBytes !== undefined ? mib(vm.guestResidentBytes) : undefined],
              ["worker resident", vm.residentBytes !== undefined ? mib(vm.residentBytes) : undefined],
              ["instructions", vm.instructionsRetired], ["policy", vm.policy ? JSON.stringify(vm.policy) : undefined],
              ["last exit", vm.lastExit ? exitText(vm.lastExit) : undefined],
            ];
            for (const [key, value] of facts) {
              if (value === undefined || value === null) continue;
              list.append(element("dt", {}, key), element("dd", {}, String(value)));
            }
            const snapshots = document.getElementById("snapshots");
            snapshots.replaceChildren();
            for (const tag of vm.snapshots || []) {
              const item = element("li", {}, tag + " ");
              const button = element("button", { "data-restore": tag }, "Restore");
              button.addEventListener("click", () => perform(current, "restore", "Restore " + tag + " into", ["POST", "/restore", { tag: tag }]));
              item.appendChild(button);
              snapshots.appendChild(item);
            }
          }

          function connectConsole() {
            if (!window.Terminal) { show(window.isolaTerminalMissing || "no terminal emulator", true); return; }
            const terminal = new window.Terminal({ cursorBlink: true, scrollback: 5000, fontSize: 14, cols: 100, rows: 30 });
            terminal.open(document.getElementById("terminal"));
            window.isolaTerminal = terminal;
            let socket;
            function open() {
              const scheme = location.protocol === "https:" ? "wss://" : "ws://";
              socket = new WebSocket(scheme + location.host + "/console/" + encodeURIComponent(name));
              socket.binaryType = "arraybuffer";
              socket.onmessage = event => {
                if (typeof event.data === "string") {
                  let reason = event.data;
                  try { reason = JSON.parse(event.data).error; } catch (e) {}
                  show("typing refused: " + reason, true);
                } else {
                  terminal.write(new Uint8Array(event.data));
                }
              };
              socket.onclose = () => setTimeout(open, 2000);  // the VM restarted, or the server is back
            }
            terminal.onData(data => { if (socket && socket.readyState === WebSocket.OPEN) socket.send(data); });
            open();
            terminal.focus();
          }

          async function refresh() {
            if (document.body.dataset.page === "vm") await refreshMachine(); else await refreshList();
          }

          if (document.body.dataset.page === "vm") {
            buttons(document.getElementById("actions"), () => current);
            document.getElementById("save").addEventListener("click", () => {
              const tag = document.getElementById("tag").value || stamp();
              perform(current, "snapshot", "Snapshot " + tag + " of", ["POST", "/snapshots", { tag: tag }]);
            });
            connectConsole();
          }
          refresh();
          setInterval(refresh, 1000);
        })();
        """#
}
