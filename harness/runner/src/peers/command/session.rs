//! A command peer's connections: the tool started per case, each connection relayed and
//! recorded, the outcome read from the tool's output.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;

impl CommandPeer {
    /// The case directory with the materials written and the role's setup commands run.
    pub(super) fn prepare(
        &self,
        setup: &Setup,
        role: Role,
    ) -> Result<(CaseDir, Arc<certs::Materials>), String> {
        let dir = CaseDir::new(&self.name, role)?;
        write_materials(setup, &dir.0)?;
        let m = setup.materials()?;
        let spec = self.spec(role).ok_or("no such role")?;
        let vars = self.vars(setup, role, 0, &dir, &m, 0);
        for cmd in &spec.setup {
            let mut argv = Vec::new();
            for a in cmd {
                let v = vars.expand(a, None)?;
                if !v.is_empty() || a.is_empty() {
                    argv.push(v);
                }
            }
            proc::run_to_end(&argv, &dir.0, Duration::from_secs(20))
                .map_err(|e| format!("setup: {e}"))?;
        }
        Ok((dir, m))
    }

    pub(super) fn vars<'a>(
        &'a self,
        setup: &'a Setup,
        role: Role,
        port: u16,
        dir: &CaseDir,
        m: &certs::Materials,
        conn: usize,
    ) -> Vars<'a> {
        Vars {
            file: &self.file,
            setup,
            role,
            port,
            dir: dir.0.clone(),
            conn,
            server_key: m.server.key_type,
            client_key: m.client.key_type,
        }
    }

    /// Whether the server tool starts with the setup's certificates (the setup commands
    /// included); the reason, shortened, if not.
    pub(super) fn preflight(&self, setup: &Setup) -> Result<(), String> {
        let spec = self.spec(Role::Server).ok_or("no server")?;
        let short = |e: String| {
            let one: String = e
                .lines()
                .filter(|l| !l.trim().is_empty())
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            one.chars().take(240).collect::<String>()
        };
        let (dir, m) = self.prepare(setup, Role::Server).map_err(short)?;
        let ctx = CaseCtx::new(
            Duration::from_secs(5),
            Instant::now() + Duration::from_secs(10),
        );
        for _ in 0..2 {
            let port = free_port()?;
            match self.start_server(
                spec,
                &self.vars(setup, Role::Server, port, &dir, &m, 0),
                &dir,
                &ctx,
            ) {
                Ok(Some(mut tool)) => {
                    // Still there a moment later (some tools check their key after binding).
                    std::thread::sleep(Duration::from_millis(200));
                    let died = tool.exited().is_some();
                    tool.kill();
                    if died {
                        return Err(short(format!(
                            "it exited after start-up ({}): {}",
                            tool.status_text(),
                            proc::tail(&tool.output(), 300)
                        )));
                    }
                    return Ok(());
                }
                Ok(None) => return Ok(()),
                Err(e) if e.contains("in use") => continue,
                Err(e) => return Err(short(e)),
            }
        }
        Ok(())
    }

    /// Whether the client tool, started with `setup` against a listener that accepts and
    /// closes, connects at all (a tool that rejects its command line exits first).
    pub(super) fn client_preflight(&self, setup: &Setup) -> Result<(), String> {
        let spec = self.spec(Role::Client).ok_or("no client")?;
        let (dir, m) = self.prepare(setup, Role::Client)?;
        let local = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = local.local_addr().map_err(|e| e.to_string())?.port();
        let argv = self
            .vars(setup, Role::Client, port, &dir, &m, 0)
            .command(spec)?;
        let mut tool = proc::spawn(&argv, &dir.0)?;
        local.set_nonblocking(true).map_err(|e| e.to_string())?;
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match local.accept() {
                Ok(_) => {
                    tool.kill();
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.to_string()),
            }
            if tool.exited().is_some() {
                std::thread::sleep(SETTLE);
                let status = tool.status_text();
                tool.kill();
                return Err(format!(
                    "it exited without connecting ({status}): {}",
                    proc::tail(&tool.output(), 400)
                ));
            }
            if Instant::now() > until {
                tool.kill();
                return Err(format!(
                    "it did not connect within 10 s: {}",
                    proc::tail(&tool.output(), 400)
                ));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Starts the server tool and waits until it is ready; `Ok(None)` at the deadline.
    pub(super) fn start_server(
        &self,
        spec: &RoleSpec,
        vars: &Vars<'_>,
        dir: &CaseDir,
        ctx: &CaseCtx,
    ) -> Result<Option<proc::Proc>, String> {
        let argv = vars.command(spec)?;
        let mut tool = proc::spawn(&argv, &dir.0)?;
        // Ready: a line of output, or the port accepting.
        let ready = spec.ready.as_deref().map(spec::regex).transpose()?;
        loop {
            if let Some(re) = &ready {
                if re.is_match(&tool.output()) {
                    return Ok(Some(tool));
                }
            } else if TcpStream::connect(("127.0.0.1", vars.port)).is_ok() {
                return Ok(Some(tool));
            }
            if tool.exited().is_some() {
                std::thread::sleep(SETTLE);
                let crash = tool
                    .crash(&tool.output())
                    .map(|c| format!(" and crashed: {c}"))
                    .unwrap_or_default();
                return Err(format!(
                    "the server exited before it was ready ({}){crash}: {}",
                    tool.status_text(),
                    proc::tail(&tool.output(), 400)
                ));
            }
            if ctx.is_cancelled() {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub(super) fn serve(
        &self,
        setup: &Setup,
        listener: &TcpListener,
        ctx: &CaseCtx,
    ) -> Result<Vec<Outcome>, String> {
        let spec = self.spec(Role::Server).ok_or("no server")?;
        let (dir, m) = self.prepare(setup, Role::Server)?;
        // A port taken by someone else between the check and the bind: one more try.
        let mut port = free_port()?;
        let mut started = self.start_server(
            spec,
            &self.vars(setup, Role::Server, port, &dir, &m, 0),
            &dir,
            ctx,
        );
        if started.is_err() && !ctx.is_cancelled() {
            port = free_port()?;
            started = self.start_server(
                spec,
                &self.vars(setup, Role::Server, port, &dir, &m, 0),
                &dir,
                ctx,
            );
        }
        let Some(mut tool) = started? else {
            return Ok(vec![Outcome::failed(
                Failure::Timeout,
                Step::Tcp,
                "the server tool was not ready before the deadline",
            )]);
        };
        let read = self.read(Role::Server);
        let outcomes = try_each_connection(setup, ctx, |_| -> Result<_, String> {
            let mut stream = match ctx.accept_or_outcome(listener) {
                Ok(s) => s,
                Err(last) => return Ok(Err(last)),
            };
            let start = tool.output().len();
            let mut to_tool = TcpStream::connect(("127.0.0.1", port))
                .map_err(|e| format!("cannot reach the server tool on port {port}: {e}"))?;
            let _ = to_tool.set_nodelay(true);
            let tcp = to_tool.try_clone().map_err(|e| e.to_string())?;
            let flow = std::thread::scope(|s| {
                let relay = s.spawn(|| wire::relay(&mut stream, &mut to_tool, &tcp, ctx));
                let mut echoed = false;
                while !relay.is_finished() {
                    if spec.echo == Echo::Stdin
                        && !echoed
                        && tool_text_from(&tool, start)
                            .contains(&*String::from_utf8_lossy(&setup.app_data))
                    {
                        tool.write_stdin(&setup.app_data);
                        echoed = true;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                relay.join().unwrap_or_default()
            });
            std::thread::sleep(SETTLE);
            let text = tool_text_from(&tool, start);
            let got = match spec.echo {
                Echo::None => true,
                _ => text.contains(&*String::from_utf8_lossy(&setup.app_data)),
            };
            let _ = tool.exited();
            Ok(Ok(match tool.crash(&text) {
                Some(c) => crashed(&flow, c),
                None => outcome(
                    &read,
                    &text,
                    &flow,
                    Role::Server,
                    setup,
                    got,
                    ctx.is_cancelled(),
                ),
            }))
        })?;
        tool.kill();
        Ok(outcomes)
    }

    pub(super) fn connect(
        &self,
        setup: &Setup,
        addr: SocketAddr,
        ctx: &CaseCtx,
    ) -> Result<Vec<Outcome>, String> {
        let spec = self.spec(Role::Client).ok_or("no client")?;
        let (dir, m) = self.prepare(setup, Role::Client)?;
        let read = self.read(Role::Client);
        let linger = Duration::from_millis(spec.linger_ms.unwrap_or(1000));
        try_each_connection(setup, ctx, |conn| {
            let local = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            let port = local.local_addr().map_err(|e| e.to_string())?.port();
            let vars = self.vars(setup, Role::Client, port, &dir, &m, conn);
            let argv = vars.command(spec)?;
            let mut tool = proc::spawn(&argv, &dir.0)?;
            tool.write_stdin(&setup.app_data);
            // The tool connects to the runner, which connects to the server and relays.
            local.set_nonblocking(true).map_err(|e| e.to_string())?;
            let mut from_tool = loop {
                match local.accept() {
                    Ok((s, _)) => break Some(s),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.to_string()),
                }
                if tool.exited().is_some() || ctx.is_cancelled() {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(2));
            };
            let Some(mut from_tool) = from_tool.take() else {
                std::thread::sleep(SETTLE);
                tool.kill();
                let o = if let Some(c) = tool.crash(&tool.output()) {
                    Outcome::failed(Failure::Crash(c.clone()), Step::Tcp, c)
                } else if ctx.is_cancelled() {
                    Outcome::failed(
                        Failure::Timeout,
                        Step::Tcp,
                        "the client did not connect before the deadline",
                    )
                } else {
                    Outcome::internal(
                        Step::Tcp,
                        format!(
                            "the client exited without connecting ({}): {}",
                            tool.status_text(),
                            proc::tail(&tool.output(), 400)
                        ),
                    )
                };
                return Ok(Err(o));
            };
            let _ = from_tool.set_nonblocking(false);
            let _ = from_tool.set_nodelay(true);
            let mut server = match ctx.connect_or_outcome(addr) {
                Ok(s) => s,
                Err(last) => return Ok(Err(last)),
            };
            let tcp = server.tcp().try_clone().map_err(|e| e.to_string())?;
            let needle = String::from_utf8_lossy(&setup.app_data).into_owned();
            let (flow, got) = std::thread::scope(|s| {
                let relay = s.spawn(|| wire::relay(&mut from_tool, &mut server, &tcp, ctx));
                let mut closed_at: Option<Instant> = None;
                let mut got = false;
                loop {
                    if !got && tool.output().contains(&needle) {
                        got = true;
                        // The answer is in: closing stdin makes the tool close the connection.
                        tool.close_stdin();
                        closed_at = Some(Instant::now());
                    }
                    if tool.exited().is_some()
                        || ctx.is_cancelled()
                        || closed_at.is_some_and(|t| t.elapsed() > linger)
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                std::thread::sleep(Duration::from_millis(20));
                tool.kill();
                let flow = relay.join().unwrap_or_default();
                (flow, got || tool.output().contains(&needle))
            });
            let text = tool.output();
            let timed_out = ctx.is_cancelled() || (tool.killed && !got);
            Ok(Ok(match tool.crash(&text) {
                Some(c) => crashed(&flow, c),
                None => outcome(&read, &text, &flow, Role::Client, setup, got, timed_out),
            }))
        })
    }
}
