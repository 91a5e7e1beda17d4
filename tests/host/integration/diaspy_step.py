"""One step of a diaspora* client session, done by python3-diaspy (Debian).

Run as: diaspy_step.py POD_URL USERNAME PASSWORD ACTION [ARGS...]
Prints one JSON document with the result. Each step is its own process
with its own diaspy Connection: diaspy keeps CSRF headers in a mutable
default argument (docs/web-api.md §1.2), so one user per process.
"""
import json
import os
import struct
import sys
import tempfile
import zlib

import diaspy.connection
import diaspy.conversations
import diaspy.models
import diaspy.notifications
import diaspy.search
import diaspy.streams


def small_png(w=800, h=400):
    """A w x h RGB PNG: a red left half and a blue right half."""
    row = b"\x00" + (b"\xe0\x20\x20" * (w // 2)) + (b"\x20\x20\xe0" * (w - w // 2))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b"")


def main():
    pod, user, password, action, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], \
        sys.argv[5:]
    c = diaspy.connection.Connection(pod=pod, username=user, password=password)
    c.login()
    out = None
    if action == "userdata":
        d = c.getUserData()
        out = {"guid": d["guid"], "diaspora_id": d["diaspora_id"], "id": d["id"],
               "aspects": d["aspects"]}
    elif action == "post":
        aspects = "public" if not args[1:] or args[1] == "public" else [int(x) for x in
                                                                         args[1].split(",")]
        p = diaspy.streams.Stream(c, fetch=False).post(text=args[0], aspect_ids=aspects)
        out = {"id": p.id, "guid": p.guid}
    elif action in ("stream", "public", "activity", "liked", "commented"):
        cls = {"stream": diaspy.streams.Stream, "activity": diaspy.streams.Activity,
               "liked": diaspy.streams.Liked, "commented": diaspy.streams.Commented,
               "public": None}[action]
        s = cls(c) if cls else diaspy.streams.Generic(c, location="public.json")
        out = [{"guid": p.guid, "id": p.id, "text": str(p),
                "comments": [str(cm) for cm in p.comments]} for p in s]
    elif action == "tag":
        s = diaspy.streams.Generic(c, location="tags/{0}.json".format(args[0]))
        out = [p.guid for p in s]
    elif action == "fetch":
        try:
            p = diaspy.models.Post(c, guid=args[0])
            out = {"status": 200, "text": str(p), "data": p.data()}
        except Exception as e:  # diaspy raises PostError with the status in the text
            out = {"status": int(str(e).split(":")[0]) if str(e)[:3].isdigit() else 0,
                   "error": str(e)}
    elif action == "comment":
        p = diaspy.models.Post(c, id=int(args[0]), guid=args[1])
        out = p.comment(args[2])
    elif action == "like":
        p = diaspy.models.Post(c, id=int(args[0]), guid=args[1])
        out = p.like()
    elif action == "reshare":
        p = diaspy.models.Post(c, id=int(args[0]), guid=args[1])
        out = p.reshare()
    elif action == "delete":
        p = diaspy.models.Post(c, id=int(args[0]), guid=args[1])
        p.delete()
        out = {"deleted": True}
    elif action == "search":
        out = diaspy.search.Search(c).user(args[0])
    elif action == "aspect_add":
        diaspy.streams.Aspects(c, fetch=False).add(args[0])
        out = [a for a in c.getUserData()["aspects"] if a["name"] == args[0]]
    elif action == "aspect_adduser":
        out = diaspy.models.Aspect(c, int(args[0])).addUser(int(args[1]))
    elif action == "followtag":
        out = {"status": diaspy.streams.FollowedTags(c, fetch=False).add(args[0])}
    elif action in ("mentions", "followed"):
        cls = {"mentions": diaspy.streams.Mentions, "followed": diaspy.streams.FollowedTags}
        out = [{"guid": p.guid, "id": p.id, "text": str(p)} for p in cls[action](c)]
    elif action == "poll":
        aspects = "public" if not args[3:] or args[3] == "public" else [int(x) for x in
                                                                         args[3].split(",")]
        p = diaspy.streams.Stream(c, fetch=False).post(
            text=args[0], aspect_ids=aspects, poll_question=args[1],
            poll_answers=args[2].split(","))
        out = {"id": p.id, "guid": p.guid}
    elif action == "vote":
        try:
            p = diaspy.models.Post(c, id=int(args[0]), guid=args[1], comments=False)
        except Exception:  # the fetch failed (not visible): vote blind
            p = diaspy.models.Post(c, id=int(args[0]), guid=args[1], fetch=False,
                                   comments=False,
                                   post_data={"poll": {"poll_id": int(args[0])},
                                              "interactions": {"comments": []}})
        try:
            out = {"status": 201, "poll": p.vote_poll(int(args[2]))}
        except Exception as e:  # diaspy raises with the status first in the text
            out = {"status": int(str(e).split(":")[0]) if str(e)[:3].isdigit() else 0,
                   "error": str(e)}
    elif action == "tagsearch":
        out = diaspy.search.Search(c).tags(args[0])
    elif action == "notifications":
        out = [{"type": n.type, "id": n.id, "unread": n.unread}
               for n in diaspy.notifications.Notifications(c)]
    elif action == "mark":
        for n in diaspy.notifications.Notifications(c):
            if n.id == int(args[0]):
                n.mark(unread=len(args) > 1 and args[1] == "unread")
        out = {"marked": int(args[0])}
    elif action == "mailbox":
        out = [conv._data["subject"] for conv in diaspy.conversations.Mailbox(c)]
    elif action == "answer":
        out = diaspy.models.Conversation(c, int(args[0])).answer(args[1])
    elif action == "post_photo":
        # post_photo TEXT [public|ASPECT_IDS]: uploads a generated PNG from a
        # temporary file (diaspy's legacy raw upload), then posts with it.
        aspects = "public" if not args[1:] or args[1] == "public" else [int(x) for x in
                                                                         args[1].split(",")]
        fd, path = tempfile.mkstemp(suffix=".png")
        with os.fdopen(fd, "wb") as f:
            f.write(small_png())
        try:
            p = diaspy.streams.Stream(c, fetch=False).post(text=args[0], photo=path,
                                                            aspect_ids=aspects)
        finally:
            os.unlink(path)
        out = {"id": p.id, "guid": p.guid, "photos": p.data().get("photos")}
    else:
        raise SystemExit("unknown action " + action)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
