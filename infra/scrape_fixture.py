#!/usr/bin/env python3
"""A video site on loopback for bench/scrape.sh and infra/schemathesis.sh, in the shapes of the tests' fixture
(shared/src/test_support/scrape_fixture): an RSS feed (/feed.xml, any query string) of pages
(/videos/{id}) each carrying a schema.org VideoObject in JSON-LD, whose mp4s (/media/{id}.mp4)
are real videos made with ffmpeg. yt-dlp's generic extractor reads the feed as a playlist and each
page as a video, offline.

Loopback is not a network: every answer can wait --latency-ms before its first byte and send its
body at no more than --rate-kib KiB/s per connection, so that a download takes time the way a real
one does, and the same time whoever asks. Python standard library only.

  scrape_fixture.py --port P --dir DIR --ffmpeg FFMPEG --videos N [--seconds S] [--size WxH]
                    [--bitrate-kbit K] [--latency-ms L] [--rate-kib R]
  scrape_fixture.py --port P --dir DIR --file BIG.mp4 [...]    one video: that file

The mp4s are made once into DIR (kept when they exist) and served from disk. Prints
"listening http://127.0.0.1:P" once it answers (--port 0: a free port, the one it printed).
"""

import argparse
import datetime
import html
import http.server
import json
import os
import subprocess
import sys
import time

FIRST_ID = 7_100_000_000_000_000_000
NEWEST = datetime.datetime(2025, 3, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
CHUNK = 64 * 1024


def sample(n, seconds):
    """The n-th video of the feed (from 1), as FixtureVideo::sample makes it: newest first."""
    return {
        "n": n,
        "id": str(FIRST_ID + n),
        "title": f"Fixture video {n}",
        "description": f"Video number {n} of the fixture #fixture #video{n}",
        "uploader": "fixture.author",
        "uploaded_at": NEWEST - datetime.timedelta(days=n - 1),
        "duration": seconds,
        "views": 1000 * n,
        "likes": 100 * n,
        "comments": 10 * n,
        "shares": n,
        "tags": ["fixture", f"video{n}"],
    }


def make_mp4(ffmpeg, out, seconds, size, bitrate_kbit, tag):
    """seconds of ffmpeg's test pattern with a tone, MPEG-4 part 2 at a fixed bitrate (a fast
    encoder, so that 50 videos take seconds to make), tagged so that every file differs."""
    if os.path.exists(out):
        return
    part = out + ".part.mp4"
    subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", f"testsrc2=duration={seconds}:size={size}:rate=30",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "mpeg4", "-b:v", f"{bitrate_kbit}k", "-minrate", f"{bitrate_kbit}k",
         "-maxrate", f"{bitrate_kbit}k", "-bufsize", f"{bitrate_kbit}k", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart",
         "-metadata", f"title={tag}", part],
        check=True, stdin=subprocess.DEVNULL)
    os.replace(part, out)


def feed(base, videos):
    items = "".join(
        f"<item><title>{html.escape(v['title'])}</title><link>{base}/videos/{v['id']}</link>"
        f"<guid isPermaLink=\"false\">{v['id']}</guid></item>"
        for v in videos)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
            f"<title>jobsmith fixture</title><link>{base}/</link>"
            "<description>Videos served on loopback</description>"
            f"{items}</channel></rss>\n")


def page(base, v, mp4_len):
    def counter(action, count):
        return {"@type": "InteractionCounter", "interactionType": {"@type": action},
                "userInteractionCount": count}
    obj = {
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "@id": f"{base}/videos/{v['id']}",
        "identifier": v["id"],
        "name": v["title"],
        "description": v["description"],
        "author": {"@type": "Person", "name": v["uploader"]},
        "duration": f"PT{v['duration']}S",
        "contentUrl": f"{base}/media/{v['id']}.mp4",
        "encodingFormat": "video/mp4",
        "contentSize": mp4_len,
        "width": v.get("width", 64),
        "height": v.get("height", 48),
        "keywords": ",".join(v["tags"]),
        "interactionStatistic": [
            counter("WatchAction", v["views"]),
            counter("LikeAction", v["likes"]),
            counter("CommentAction", v["comments"]),
            counter("ShareAction", v["shares"]),
        ],
        "uploadDate": v["uploaded_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    json_ld = json.dumps(obj, separators=(",", ":")).replace("</", "<\\/")
    title = html.escape(v["title"])
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><script type=\"application/ld+json\">{json_ld}</script>"
            f"</head><body><h1>{title}</h1></body></html>\n")


class Site:
    def __init__(self, base, videos, files, latency, rate):
        self.base, self.videos, self.files = base, videos, files
        self.by_id = {v["id"]: v for v in videos}
        self.latency, self.rate = latency, rate


def handler(site):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.answer(body=False)

        def do_GET(self):
            self.answer(body=True)

        def answer(self, body):
            if site.latency:
                time.sleep(site.latency)
            path = self.path.split("?", 1)[0]
            if path == "/feed.xml":
                return self.send(200, "application/rss+xml; charset=utf-8",
                                 feed(site.base, site.videos).encode(), body)
            if path.startswith("/videos/") and path[len("/videos/"):] in site.by_id:
                v = site.by_id[path[len("/videos/"):]]
                size = os.path.getsize(site.files[v["id"]])
                return self.send(200, "text/html; charset=utf-8", page(site.base, v, size).encode(), body)
            if path.startswith("/media/") and path.endswith(".mp4"):
                vid = path[len("/media/"):-len(".mp4")]
                if vid in site.files:
                    return self.send_file(site.files[vid], body)
            self.send(404, "text/plain", b"not found\n", body)

        def send(self, status, content_type, data, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.paced(iter([data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]))

        def send_file(self, file, body):
            size = os.path.getsize(file)
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if body:
                with open(file, "rb") as f:
                    self.paced(iter(lambda: f.read(CHUNK), b""))

        def paced(self, chunks):
            started, sent = time.monotonic(), 0
            try:
                for chunk in chunks:
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    if site.rate:
                        ahead = started + sent / site.rate - time.monotonic()
                        if ahead > 0:
                            time.sleep(ahead)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True, help="where the mp4s are made (kept between starts)")
    p.add_argument("--ffmpeg", default="ffmpeg")
    p.add_argument("--videos", type=int, default=50)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--size", default="480x270")
    p.add_argument("--bitrate-kbit", type=int, default=1000)
    p.add_argument("--file", help="serve this one mp4 as the only video instead")
    p.add_argument("--latency-ms", type=float, default=0, help="wait before every answer")
    p.add_argument("--rate-kib", type=float, default=0, help="KiB/s per connection; 0: no cap")
    a = p.parse_args()

    os.makedirs(a.dir, exist_ok=True)
    width, height = (int(x) for x in a.size.split("x"))
    files = {}
    if a.file:
        v = sample(1, a.seconds)
        videos = [v]
        files[v["id"]] = os.path.abspath(a.file)
    else:
        videos = [sample(n, a.seconds) for n in range(1, a.videos + 1)]
        for v in videos:
            files[v["id"]] = os.path.join(a.dir, f"{v['id']}.mp4")
            make_mp4(a.ffmpeg, files[v["id"]], a.seconds, a.size, a.bitrate_kbit, v["id"])
    for v in videos:
        v["width"], v["height"] = width, height
    site = Site(None, videos, files, a.latency_ms / 1000, a.rate_kib * 1024)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), handler(site))
    server.daemon_threads = True
    # Known only once bound: the pages and the feed name the port the site answers on.
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"listening {site.base}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
