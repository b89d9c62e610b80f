//! Line endings made alike before the CSV reader sees them: CRLF (Windows) and a
//! lone CR (classic Mac OS, still written by some Mac spreadsheets) both become LF,
//! so a CR-only file is read line by line instead of as one long line.

use std::io::Read;

/// A reader that turns CRLF and lone CR into LF, streaming (a CRLF split between
/// two reads is handled too).
pub(super) struct CrAsNewline<R> {
    inner: R,
    /// The last byte given was a CR turned into LF: an LF right after it is the
    /// second half of a CRLF and is dropped.
    after_cr: bool,
}

impl<R: Read> CrAsNewline<R> {
    pub(super) fn new(inner: R) -> Self {
        Self {
            inner,
            after_cr: false,
        }
    }
}

impl<R: Read> Read for CrAsNewline<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let mut out = 0;
            for i in 0..n {
                let b = buf[i];
                if b == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = b == b'\r';
                buf[out] = if self.after_cr { b'\n' } else { b };
                out += 1;
            }
            // A read that held only the LF of a split CRLF gives nothing: read on
            // rather than signal the end of the file.
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` through the adapter, `chunk` bytes per inner read.
    fn through(input: &[u8], chunk: usize) -> Vec<u8> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        CrAsNewline::new(Chunked(input, chunk))
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn crlf_and_lone_cr_become_lf_across_read_boundaries() {
        let input = b"a\r\nb\rc\n\r\r\nd\r";
        for chunk in 1..=input.len() {
            assert_eq!(through(input, chunk), b"a\nb\nc\n\n\nd\n", "chunk {chunk}");
        }
    }
}
