//! Framing: a 4-byte big-endian length, then a JSON body. Each frame goes out in one write, so
//! turmoil carries it as one segment; reading is cancel-safe because partial input stays in the
//! buffer.

use std::io;

use bytes::BytesMut;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A byte stream carrying frames.
pub struct Framed<S> {
    stream: S,
    buf: BytesMut,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Framed<S> {
    pub fn new(stream: S) -> Self {
        Self {
            stream,
            buf: BytesMut::with_capacity(1024),
        }
    }

    /// Writes one message as one frame.
    ///
    /// # Errors
    /// The stream's write error.
    pub async fn send<T: Serialize>(&mut self, message: &T) -> io::Result<()> {
        let body = serde_json::to_vec(message)?;
        let len = u32::try_from(body.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        let mut frame = Vec::with_capacity(4 + body.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).await
    }

    /// Reads the next message; `Ok(None)` at a clean end of stream. Cancel-safe.
    ///
    /// # Errors
    /// The stream's read error, a truncated frame, or a body that does not decode.
    pub async fn recv<T: DeserializeOwned>(&mut self) -> io::Result<Option<T>> {
        loop {
            if self.buf.len() >= 4 {
                let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]])
                    as usize;
                if self.buf.len() >= 4 + len {
                    let frame = self.buf.split_to(4 + len);
                    return Ok(Some(serde_json::from_slice(&frame[4..])?));
                }
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        }
    }
}
