//! A plain SMTP client over a real socket, for checking replies exactly
//! (codes, pipelining, refusals). Every read has a timeout.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects and returns the client with the greeting.
    pub fn connect(addr: SocketAddr) -> (Client, String) {
        let stream = TcpStream::connect(addr).expect("connect to the relay");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let writer = stream.try_clone().unwrap();
        let mut client = Client {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = client.reply();
        (client, greeting)
    }

    /// Reads one (possibly multi-line) reply; "" when the server closed.
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return all,
                Ok(_) => {}
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all.trim_end().to_string();
            }
        }
    }

    /// Writes raw bytes (several commands at once for pipelining).
    pub fn write(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    /// Sends one command line and returns the reply.
    pub fn command(&mut self, line: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes());
        self.reply()
    }

    /// A whole transaction; returns the reply to the final dot.
    pub fn send_message(&mut self, from: &str, to: &[&str], message: &[u8]) -> String {
        let r = self.command(&format!("MAIL FROM:<{from}>"));
        assert!(r.starts_with("250"), "MAIL: {r}");
        for rcpt in to {
            let r = self.command(&format!("RCPT TO:<{rcpt}>"));
            assert!(r.starts_with("250"), "RCPT {rcpt}: {r}");
        }
        let r = self.command("DATA");
        assert!(r.starts_with("354"), "DATA: {r}");
        self.write(&dot_stuff(message));
        self.write(b".\r\n");
        self.reply()
    }
}

/// Dot-stuffs a message with CRLF line ends (as a real client sends it:
/// every LF written as CRLF) and makes sure it ends with CRLF.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let crlf = dot_unstuffed_crlf(message);
    let mut out = Vec::with_capacity(crlf.len() + 64);
    let mut at_line_start = true;
    for &b in &crlf {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    out
}

/// What the relay stores for a message sent with [`Client::send_message`]:
/// CRLF line ends, and a final CRLF.
pub fn dot_unstuffed_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    for line in message.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out
}
