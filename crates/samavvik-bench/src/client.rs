//! A browser-like HTTP/1.1 client for the load generator: one keep-alive
//! connection, one cookie jar entry (the CSRF cookie), nothing else.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

pub struct Browser {
    addr: SocketAddr,
    host: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
    cookie: Option<HeaderValue>,
}

pub struct Page {
    pub status: StatusCode,
    pub body: String,
}

impl Browser {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: HeaderValue::from_str(&addr.to_string()).expect("socket address is a valid header"),
            sender: None,
            cookie: None,
        }
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Page> {
        self.send("GET", path, None).await
    }

    pub async fn post_form(&mut self, path: &str, body: String) -> anyhow::Result<Page> {
        self.send("POST", path, Some(body)).await
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<String>) -> anyhow::Result<Page> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.clone());
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c.clone());
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let sender = self.connection().await?;
        let result = read(sender.send_request(req).await).await;
        match &result {
            Ok((_, Some(cookie))) => self.cookie = Some(cookie.clone()),
            Ok(_) => {}
            // Like a browser: a broken connection is replaced by a new one.
            Err(_) => self.sender = None,
        }
        result.map(|(page, _)| page)
    }

    async fn connection(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if let Some(s) = &mut self.sender
            && s.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("just connected"))
    }
}

/// The page and the cookie it sets, if any.
async fn read(
    sent: Result<http::Response<hyper::body::Incoming>, hyper::Error>,
) -> anyhow::Result<(Page, Option<HeaderValue>)> {
    let res = sent?;
    let status = res.status();
    let cookie = match res.headers().get(header::SET_COOKIE) {
        Some(set) => match set.to_str()?.split(';').next() {
            Some(pair) => Some(HeaderValue::from_str(pair)?),
            None => None,
        },
        None => None,
    };
    let body = res.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    Ok((Page { status, body }, cookie))
}

/// The value of a hidden input in a page (`name="…" value="…"`).
pub fn hidden<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    html[start..].split('"').next()
}
