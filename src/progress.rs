//! A progress bar on standard error: how far, how fast, and how long is left.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Redrawn in place on a terminal at most a few times a second; elsewhere (a log, a pipe) one line
/// for every tenth of the way.
pub struct Progress {
    what: &'static str,
    total: u64,
    done: u64,
    started: Instant,
    drawn: Option<Instant>,
    terminal: bool,
    tenths: u64,
}

impl Progress {
    pub fn new(what: &'static str, total: u64) -> Self {
        Self {
            what,
            total,
            done: 0,
            started: Instant::now(),
            drawn: None,
            terminal: std::io::stderr().is_terminal(),
            tenths: 0,
        }
    }

    pub fn advance(&mut self, by: u64) {
        self.done = (self.done + by).min(self.total);
        if self.terminal {
            if self.drawn.is_none_or(|at| at.elapsed() >= Duration::from_millis(200)) || self.done == self.total {
                self.drawn = Some(Instant::now());
                eprint!("\r{}", self.line());
            }
        } else {
            let tenths = self.done * 10 / self.total.max(1);
            if tenths > self.tenths {
                self.tenths = tenths;
                eprintln!("{}", self.line());
            }
        }
        let _ = std::io::stderr().flush();
    }

    /// Ends the bar's line.
    pub fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }

    fn line(&self) -> String {
        const WIDTH: u64 = 30;
        let filled = (self.done * WIDTH / self.total.max(1)) as usize;
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 { self.done as f64 / elapsed } else { 0.0 };
        let left = if rate > 0.0 {
            clock((self.total - self.done) as f64 / rate)
        } else {
            "--:--".into()
        };
        format!(
            "[{}{}] {}/{} {} {:>3}%  {:.0}/s  elapsed {}  left {}   ",
            "#".repeat(filled),
            " ".repeat(WIDTH as usize - filled),
            self.done,
            self.total,
            self.what,
            self.done * 100 / self.total.max(1),
            rate,
            clock(elapsed),
            left
        )
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}
