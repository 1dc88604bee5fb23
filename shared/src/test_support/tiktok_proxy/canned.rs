//! What the proxy serves, from the files in `canned/`: one profile, `@khaby.lame`, with three
//! videos, in the shapes yt-dlp 2026.10.26's TikTok extractor reads. The profile page carries the
//! user (`webapp.user-detail`, whose `secUid` the extractor needs for the item list); the item
//! list (`/api/creator/item_list/`) the videos, newest first, on one page
//! (`hasMorePrevious: false`); each video page the same item as `webapp.video-detail`, which is
//! what the extractor reads a video from. Each item's formats are a play address (the clean
//! file, also its `bitrateInfo` entry, whose `UrlKey` names codec, resolution and bitrate) and a
//! download address (the watermarked file), both on the video CDN's host.

use std::collections::HashMap;

use axum::body::Bytes;
use serde_json::{Value, json};

/// The profile the proxy plays.
pub const USERNAME: &str = "khaby.lame";
/// TikTok's web host: profile, item list and video pages.
pub const WEB_HOST: &str = "www.tiktok.com";
/// The video CDN's host, where the items' files are. The extractor drops formats on
/// [`WEB_HOST`], so the files must be elsewhere.
pub const CDN_HOST: &str = "v16-webapp-prime.tiktok.com";

const PAGE: &str = include_str!("canned/page.html");
const USER_DETAIL: &str = include_str!("canned/user_detail.json");
const ITEM_LIST: &str = include_str!("canned/item_list.json");

/// Which of a video's files a CDN path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendition {
    /// `play`: the clean file.
    Play,
    /// `download`: the watermarked one.
    Download,
}

impl Rendition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Play => "play",
            Self::Download => "download",
        }
    }
}

/// The URL of `id`'s file on the CDN, without its query, as the items name it.
pub fn cdn_url(id: &str, rendition: Rendition) -> String {
    format!("https://{CDN_HOST}/video/tos/alisg/{id}/{}/", rendition.as_str())
}

pub fn profile_url() -> String {
    format!("https://{WEB_HOST}/@{USERNAME}")
}

pub fn video_page_url(id: &str) -> String {
    format!("https://{WEB_HOST}/@{USERNAME}/video/{id}")
}

pub fn item_list_url() -> String {
    format!("https://{WEB_HOST}/api/creator/item_list/")
}

pub(super) struct Canned {
    user_detail: Value,
    item_list: Value,
    /// Each video's file by id, served for both renditions.
    mp4s: HashMap<String, Bytes>,
}

impl Canned {
    pub fn parse() -> Self {
        let user_detail = serde_json::from_str(USER_DETAIL).expect("canned/user_detail.json is JSON");
        let item_list = serde_json::from_str(ITEM_LIST).expect("canned/item_list.json is JSON");
        Self { user_detail, item_list, mp4s: HashMap::new() }
    }

    fn items(&self) -> &[Value] {
        self.item_list["itemList"].as_array().map(Vec::as_slice).unwrap_or_default()
    }

    /// Each video's id and length in seconds, newest first.
    pub fn videos(&self) -> Vec<(String, u32)> {
        let video = |item: &Value| {
            let id = item["id"].as_str().expect("each canned item has an id").to_owned();
            let seconds = item["video"]["duration"].as_u64().and_then(|d| u32::try_from(d).ok());
            (id, seconds.expect("each canned item has a duration"))
        };
        self.items().iter().map(video).collect()
    }

    /// Serves `mp4` as `id`'s file, and says its real size where the item gives one.
    pub fn set_mp4(&mut self, id: &str, mp4: Bytes) {
        let size = mp4.len();
        let items = self.item_list["itemList"].as_array_mut().expect("canned/item_list.json has an itemList");
        for item in items.iter_mut().filter(|item| item["id"] == id) {
            for rate in item["video"]["bitrateInfo"].as_array_mut().into_iter().flatten() {
                rate["PlayAddr"]["DataSize"] = json!(size);
            }
        }
        self.mp4s.insert(id.to_owned(), mp4);
    }

    pub fn mp4(&self, id: &str) -> Option<Bytes> {
        self.mp4s.get(id).cloned()
    }

    pub fn sec_uid(&self) -> &str {
        self.user_detail["userInfo"]["user"]["secUid"].as_str().expect("canned/user_detail.json has a secUid")
    }

    pub fn profile_page(&self) -> String {
        page(json!({ "webapp.user-detail": self.user_detail }))
    }

    pub fn item_list(&self) -> String {
        self.item_list.to_string()
    }

    pub fn video_page(&self, id: &str) -> Option<String> {
        let item = self.items().iter().find(|item| item["id"] == id)?;
        let detail = json!({ "statusCode": 0, "statusMsg": "", "itemInfo": { "itemStruct": item } });
        Some(page(json!({ "webapp.video-detail": detail })))
    }
}

/// A TikTok web page whose rehydration data holds `scope`.
fn page(scope: Value) -> String {
    let data = json!({ "__DEFAULT_SCOPE__": scope }).to_string();
    // serde_json does not escape `/`: a `</` in the data would end the script early.
    assert!(!data.contains("</"), "canned data must not close the page's script: {data}");
    PAGE.replace("{{UNIVERSAL_DATA}}", &data)
}
