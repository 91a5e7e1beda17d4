#include "social/federated.h"
#include "social/federated_internal.h"

#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "federation/outbound.h"
#include "federation/relayable.h"
#include "social/notify.h"
#include "store/contacts.h"
#include "store/posts.h"

bool
social_fed_copy_fits(char *out, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n >= cap)
        return false;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
    return true;
}

void
social_fed_copy_cut(char *out, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

bool
social_fed_same_did(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

int
social_fed_person_by_did(struct store_txn *txn, const char *did, struct store_person *out)
{
    char low[STORE_DID_MAX + 1];
    size_t n = did ? strlen(did) : 0;

    if (n == 0 || n > STORE_DID_MAX)
        return POD_ERR_NOTFOUND;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((did[i] >= 'A' && did[i] <= 'Z') ? did[i] + 32 : did[i]);
    return store_person_get_by_diaspora_id(txn, low, out);
}

int64_t
social_fed_entity_time(const struct fed_entity *e, const char *name, int64_t now)
{
    int64_t t;

    return fed_entity_get_time(e, name, &t) == POD_OK ? t : now;
}

/* ------------------------------------------------------------ relayables */

const struct store_person *
social_fed_relayable_author(const struct social_fed_in *in)
{
    const char *did = fed_entity_get(in->entity, "author");

    if (social_fed_same_did(did, in->sender->diaspora_id))
        return in->sender;
    if (in->author && social_fed_same_did(did, in->author->diaspora_id))
        return in->author;
    return NULL;
}

int
social_fed_relayable_check(struct store_txn *txn, const struct social_fed_in *in,
                           const struct store_person *author, const struct store_post *post,
                           struct pod_arena *a, char *why, size_t why_len)
{
    struct store_person root;
    const char **names, **values;
    char sw[160] = "";
    size_t n;
    int rc = store_person_get(txn, post->author, &root);

    if (rc != POD_OK) {
        pod_why(why, why_len, "the author of post %s is unknown", post->guid);
        return rc == POD_ERR_NOTFOUND ? POD_ERR_AUTH : rc;
    }
    if (in->sender->id != root.id && !(in->sender->id == author->id && root.username[0])) {
        pod_why(why, why_len,
                "%s is neither the root author %s nor the author of a relayable on a local post",
                in->sender->diaspora_id, root.diaspora_id);
        return POD_ERR_AUTH;
    }
    if (!post->public && in->public_route) {
        pod_why(why, why_len, "%s on limited post %s came on the public route", in->entity->type,
                post->guid);
        return POD_ERR_AUTH;
    }
    /* Only the people a local limited post was shared with may take part. */
    if (!post->public && root.username[0] && author->id != root.id &&
        !store_post_is_shared_with(txn, post->id, author->id)) {
        pod_why(why, why_len, "%s may not see limited post %s", author->diaspora_id, post->guid);
        return POD_ERR_AUTH;
    }
    if (root.username[0] && store_block_exists(txn, root.id, author->id)) {
        pod_why(why, why_len, "%s is ignored by %s", author->diaspora_id, root.diaspora_id);
        return POD_ERR_AUTH;
    }
    if (author->id == root.id)
        return POD_OK; /* no author_signature: the envelope suffices */
    rc = fed_entity_signature_lists(in->entity, a, &names, &values, &n);
    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot list the signed fields: %s", pod_strerror(rc));
        return rc == POD_ERR_NOMEM ? rc : POD_ERR_INVAL;
    }
    rc = fed_relayable_verify(names, values, n, fed_entity_get(in->entity, "author_signature"),
                              author->public_key, sw, sizeof sw);
    if (rc != POD_OK) {
        pod_why(why, why_len, "author_signature of %s: %s", author->diaspora_id,
                sw[0] ? sw : pod_strerror(rc));
        return POD_ERR_SIG;
    }
    return POD_OK;
}

static int
apply_comment(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a, char *why,
              size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct store_person *author = social_fed_relayable_author(in);
    const char *guid = fed_entity_get(e, "guid");
    const char *text = fed_entity_get(e, "text");
    struct store_post post;
    struct store_comment c;
    int rc;

    if (!author) {
        pod_why(why, why_len, "the comment author is not known");
        return POD_ERR_AUTH;
    }
    rc = store_post_get_by_guid(txn, fed_entity_get(e, "parent_guid"), a, &post);
    if (rc != POD_OK) {
        pod_why(why, why_len, "parent post %s unknown", fed_entity_get(e, "parent_guid"));
        return rc;
    }
    rc = social_fed_relayable_check(txn, in, author, &post, a, why, why_len);
    if (rc != POD_OK)
        return rc;
    if (store_comment_get_by_guid(txn, guid, a, &c) == POD_OK)
        return POD_OK; /* delivered before */
    if (author->username[0]) {
        pod_why(why, why_len, "unknown comment %s of the local %s", guid, author->diaspora_id);
        return POD_ERR_AUTH;
    }
    memset(&c, 0, sizeof c);
    if (!social_fed_copy_fits(c.guid, sizeof c.guid, guid) || !text ||
        strlen(text) > STORE_POST_TEXT_MAX) {
        pod_why(why, why_len, "comment GUID or text too long");
        return POD_ERR_INVAL;
    }
    c.post = post.id;
    c.author = author->id;
    c.text = text;
    c.created_at = social_fed_entity_time(e, "created_at", in->now);
    rc = store_comment_add(txn, &c);
    if (rc == POD_OK)
        rc = social_notify_comment(txn, &post, &c, a);
    /* On a local post we are the root's pod: pass it on (§6.3). */
    if (rc == POD_OK)
        rc = fed_outbound_relay(txn, e, &post, author->id, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store comment %s: %s", guid, pod_strerror(rc));
    return rc;
}

static int
apply_like(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a, char *why,
           size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct store_person *author = social_fed_relayable_author(in);
    const char *guid = fed_entity_get(e, "guid");
    const char *parent = fed_entity_get(e, "parent_guid");
    const char *ptype = fed_entity_parent_type(e);
    struct store_post post;
    struct store_comment cm;
    struct store_like l, old;
    bool positive = true;
    int rc;

    if (!author) {
        pod_why(why, why_len, "the like author is not known");
        return POD_ERR_AUTH;
    }
    memset(&l, 0, sizeof l);
    if (ptype && strcmp(ptype, "Comment") == 0) {
        rc = store_comment_get_by_guid(txn, parent, a, &cm);
        if (rc == POD_OK)
            rc = store_post_get(txn, cm.post, a, &post);
        l.target_type = STORE_LIKE_COMMENT;
        l.target = cm.id;
    } else if (ptype && strcmp(ptype, "Post") == 0) {
        rc = store_post_get_by_guid(txn, parent, a, &post);
        l.target_type = STORE_LIKE_POST;
        l.target = post.id;
    } else {
        pod_why(why, why_len, "like of a %s", ptype ? ptype : "(nothing)");
        return POD_ERR_INVAL;
    }
    if (rc != POD_OK) {
        pod_why(why, why_len, "liked %s %s unknown", ptype, parent);
        return rc;
    }
    rc = social_fed_relayable_check(txn, in, author, &post, a, why, why_len);
    if (rc != POD_OK)
        return rc;
    if (store_like_get_by_guid(txn, guid, &old) == POD_OK)
        return POD_OK; /* delivered before */
    if (author->username[0]) {
        pod_why(why, why_len, "unknown like %s of the local %s", guid, author->diaspora_id);
        return POD_ERR_AUTH;
    }
    if (!social_fed_copy_fits(l.guid, sizeof l.guid, guid)) {
        pod_why(why, why_len, "like GUID too long");
        return POD_ERR_INVAL;
    }
    (void)fed_entity_get_bool(e, "positive", &positive);
    l.author = author->id;
    l.positive = positive;
    l.created_at = in->now;
    rc = store_like_add(txn, &l);
    if (rc == POD_ERR_EXISTS)
        return POD_OK; /* the author likes it already (under another GUID) */
    if (rc == POD_OK && l.target_type == STORE_LIKE_POST)
        rc = social_notify_like(txn, author->id, &post);
    if (rc == POD_OK)
        rc = fed_outbound_relay(txn, e, &post, author->id, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store like %s: %s", guid, pod_strerror(rc));
    return rc;
}

/* ------------------------------------------------------------ posts */

static int
read_poll(const struct fed_entity *poll, struct store_poll *out)
{
    memset(out, 0, sizeof *out);
    if (!social_fed_copy_fits(out->question, sizeof out->question,
                              fed_entity_get(poll, "question")))
        return POD_ERR_INVAL;
    for (size_t i = 0; i < poll->count; i++) {
        const struct fed_entity *ans = poll->fields[i].entity;

        if (!ans || strcmp(poll->fields[i].name, "poll_answer") != 0)
            continue;
        if (out->answer_count == STORE_POLL_MAX_ANSWERS ||
            !social_fed_copy_fits(out->answers[out->answer_count], sizeof out->answers[0],
                                  fed_entity_get(ans, "answer")))
            return POD_ERR_INVAL;
        out->answer_count++;
    }
    return POD_OK;
}

/* The existing post with guid: POD_OK when it is the sender's (nothing
 * to do), POD_ERR_AUTH when someone else's, POD_ERR_NOTFOUND when new. */
static int
post_known(struct store_txn *txn, const struct social_fed_in *in, const char *guid,
           struct pod_arena *a, char *why, size_t why_len)
{
    struct store_post old;
    int rc = store_post_get_by_guid(txn, guid, a, &old);

    if (rc != POD_OK)
        return rc;
    if (old.author != in->sender->id) {
        pod_why(why, why_len, "post GUID %s belongs to someone else", guid);
        return POD_ERR_AUTH;
    }
    return POD_OK;
}

static int
first_follower(const struct store_contact *c, void *ctx)
{
    *(uint64_t *)ctx = c->owner;
    return 1;
}

/* New public post p from a remote author that a local user follows: one
 * participation for it to the author's pod, signed by the first such
 * follower, so that its comments and likes reach us (§5.4). Not recorded
 * as the follower's own participation (that would notify them of every
 * comment); a post is stored once, so it is sent once. */
static int
participate(struct store_txn *txn, const struct store_post *p, struct pod_arena *a)
{
    uint64_t follower = 0;
    int rc;

    if (!p->public)
        return POD_OK;
    rc = store_followers_each(txn, p->author, first_follower, &follower);
    if (rc < 0)
        return rc;
    if (!follower)
        return POD_OK;
    return fed_outbound_participation(txn, p, follower, a);
}

static int
add_post(struct store_txn *txn, const struct social_fed_in *in, struct store_post *p,
         const struct store_poll *poll, struct pod_arena *a, char *why, size_t why_len)
{
    const char **tags = NULL;
    size_t ntags = 0, len = strlen(p->text);
    int rc;

    if (pod_text_tags(p->text, len, a, &tags, &ntags) != POD_OK)
        ntags = 0;
    if (ntags > STORE_POST_MAX_TAGS)
        ntags = STORE_POST_MAX_TAGS;
    rc = store_post_add(txn, p, &in->recipient, p->public ? 0 : 1, tags, ntags, poll);
    if (rc == POD_OK && p->type == STORE_POST_STATUS)
        rc = social_fed_store_photos(txn, in, p, a, why, why_len);
    if (rc == POD_OK && p->type == STORE_POST_STATUS)
        rc = social_notify_post(txn, p, len, a);
    if (rc == POD_OK)
        rc = participate(txn, p, a);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store post %s: %s", p->guid, pod_strerror(rc));
    return rc;
}

/* A limited post of the sender's known here already, delivered again for
 * in->recipient: one private copy per local recipient (§5.4), so the
 * second one makes them a recipient too. */
static int
known_limited_post(struct store_txn *txn, const struct social_fed_in *in, const char *guid,
                   struct pod_arena *a, char *why, size_t why_len)
{
    struct store_post old;
    int rc = store_post_get_by_guid(txn, guid, a, &old);

    if (rc == POD_OK && old.public) {
        pod_why(why, why_len, "post %s is public here and limited in the delivery", guid);
        return POD_ERR_AUTH;
    }
    if (rc == POD_OK)
        rc = store_post_share_add(txn, old.id, in->recipient);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot add a recipient to %s: %s", guid, pod_strerror(rc));
    return rc;
}

static int
apply_status_message(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                     char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const struct fed_entity *loc = fed_entity_get_entity(e, "location");
    const struct fed_entity *pe = fed_entity_get_entity(e, "poll");
    const char *guid = fed_entity_get(e, "guid");
    const char *text = fed_entity_get(e, "text");
    struct store_poll poll;
    struct store_post p;
    bool pub = false;
    int rc;

    (void)fed_entity_get_bool(e, "public", &pub);
    if (in->public_route && !pub) {
        pod_why(why, why_len, "limited post %s on the public route", guid ? guid : "");
        return POD_ERR_AUTH;
    }
    if (!pub && !in->recipient) {
        pod_why(why, why_len, "limited post without a local recipient");
        return POD_ERR_AUTH;
    }
    rc = post_known(txn, in, guid, a, why, why_len);
    if (rc == POD_OK && !pub)
        return known_limited_post(txn, in, guid, a, why, why_len);
    if (rc != POD_ERR_NOTFOUND)
        return rc;
    memset(&p, 0, sizeof p);
    if (!social_fed_copy_fits(p.guid, sizeof p.guid, guid) || !text ||
        strlen(text) > STORE_POST_TEXT_MAX) {
        pod_why(why, why_len, "post GUID or text too long");
        return POD_ERR_INVAL;
    }
    p.author = in->sender->id;
    p.type = STORE_POST_STATUS;
    p.public = pub;
    p.text = text;
    social_fed_copy_cut(p.provider, sizeof p.provider, fed_entity_get(e, "provider_display_name"));
    if (loc) {
        social_fed_copy_cut(p.address, sizeof p.address, fed_entity_get(loc, "address"));
        social_fed_copy_cut(p.lat, sizeof p.lat, fed_entity_get(loc, "lat"));
        social_fed_copy_cut(p.lng, sizeof p.lng, fed_entity_get(loc, "lng"));
    }
    p.created_at = social_fed_entity_time(e, "created_at", in->now);
    if (pe && read_poll(pe, &poll) != POD_OK) {
        pod_why(why, why_len, "poll of %s does not fit", guid);
        return POD_ERR_INVAL;
    }
    return add_post(txn, in, &p, pe ? &poll : NULL, a, why, why_len);
}

static int
apply_reshare(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a, char *why,
              size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const char *guid = fed_entity_get(e, "guid");
    const char *root_guid = fed_entity_get(e, "root_guid");
    struct store_person root_author;
    struct store_post p, root;
    int rc;

    rc = post_known(txn, in, guid, a, why, why_len);
    if (rc != POD_ERR_NOTFOUND)
        return rc;
    memset(&p, 0, sizeof p);
    if (!social_fed_copy_fits(p.guid, sizeof p.guid, guid)) {
        pod_why(why, why_len, "reshare GUID too long");
        return POD_ERR_INVAL;
    }
    if (root_guid && root_guid[0]) {
        rc = store_post_get_by_guid(txn, root_guid, a, &root);
        if (rc != POD_OK) {
            pod_why(why, why_len, "reshared post %s unknown", root_guid);
            return rc;
        }
        rc = store_person_get(txn, root.author, &root_author);
        if (rc != POD_OK ||
            !social_fed_same_did(root_author.diaspora_id, fed_entity_get(e, "root_author"))) {
            pod_why(why, why_len, "root_author does not match the author of %s", root_guid);
            return POD_ERR_AUTH;
        }
        if (!root.public) {
            pod_why(why, why_len, "reshare of the limited post %s", root_guid);
            return POD_ERR_AUTH;
        }
        p.root = root.id;
    }
    p.author = in->sender->id;
    p.type = STORE_POST_RESHARE;
    p.public = true;
    p.text = "";
    p.created_at = social_fed_entity_time(e, "created_at", in->now);
    rc = add_post(txn, in, &p, NULL, a, why, why_len);
    if (rc == POD_OK && p.root)
        rc = social_notify_reshare(txn, in->sender->id, &root);
    return rc;
}

/* ------------------------------------------------------------ retraction */

/* The author of root post id equals sender? */
static bool
is_post_author(struct store_txn *txn, uint64_t post_id, uint64_t person, struct pod_arena *a)
{
    struct store_post p;

    return store_post_get(txn, post_id, a, &p) == POD_OK && p.author == person;
}

/* §6.4, §7: the remote author of a comment or like on a local post
 * retracted it; the post's author passes the retraction on to the post's
 * audience. post_id is the comment's post, or 0 with l the like. */
static int
relay_retraction(struct store_txn *txn, const char *type, const char *guid, uint64_t target_author,
                 uint64_t post_id, const struct store_like *l, struct pod_arena *a)
{
    struct store_person root;
    struct store_comment c;
    struct store_post p;
    int rc;

    if (l && l->target_type == STORE_LIKE_POST) {
        post_id = l->target;
    } else if (l) {
        rc = store_comment_get(txn, l->target, a, &c);
        if (rc != POD_OK)
            return rc == POD_ERR_NOTFOUND ? POD_OK : rc;
        post_id = c.post;
    }
    rc = store_post_get(txn, post_id, a, &p);
    if (rc == POD_OK)
        rc = store_person_get(txn, p.author, &root);
    if (rc == POD_ERR_NOTFOUND)
        return POD_OK;
    if (rc != POD_OK || !root.username[0])
        return rc; /* not ours to relay */
    return fed_outbound_retraction(txn, p.author, target_author, type, guid, &p, a);
}

static int
apply_retraction(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                 char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    const char *type = fed_entity_get(e, "target_type");
    const char *guid = fed_entity_get(e, "target_guid");
    uint64_t sender = in->sender->id, target_author = 0;
    struct store_person named;
    struct store_post p;
    struct store_comment c;
    struct store_like l;
    bool by_root = false;
    int rc;

    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    memset(&l, 0, sizeof l);
    if (!type || !guid)
        return POD_ERR_INVAL;
    if (strcmp(type, "Post") == 0 || strcmp(type, "StatusMessage") == 0 ||
        strcmp(type, "Reshare") == 0) {
        rc = store_post_get_by_guid(txn, guid, a, &p);
        target_author = p.author;
    } else if (strcmp(type, "Comment") == 0) {
        rc = store_comment_get_by_guid(txn, guid, a, &c);
        target_author = c.author;
        by_root = rc == POD_OK && is_post_author(txn, c.post, sender, a);
    } else if (strcmp(type, "Like") == 0) {
        rc = store_like_get_by_guid(txn, guid, &l);
        target_author = l.author;
        if (rc == POD_OK && l.target_type == STORE_LIKE_POST)
            by_root = is_post_author(txn, l.target, sender, a);
        else if (rc == POD_OK && store_comment_get(txn, l.target, a, &c) == POD_OK)
            by_root = is_post_author(txn, c.post, sender, a);
    } else {
        pod_why(why, why_len, "not handled yet: retraction of %s", type);
        return POD_ERR_INVAL;
    }
    if (rc == POD_ERR_NOTFOUND) {
        LOG_INFO("federation", "retraction of unknown %s %s: nothing to do", type, guid);
        return POD_OK; /* gone already, or never seen */
    }
    if (rc != POD_OK)
        return rc;
    /* diaspora* names the target's author in author (§7). */
    if (social_fed_person_by_did(txn, fed_entity_get(e, "author"), &named) != POD_OK ||
        named.id != target_author) {
        pod_why(why, why_len, "retraction author is not the author of %s %s", type, guid);
        return POD_ERR_AUTH;
    }
    if (sender != target_author && !by_root) {
        pod_why(why, why_len, "%s may not retract %s %s", in->sender->diaspora_id, type, guid);
        return POD_ERR_AUTH;
    }
    if (type[0] != 'P' && !by_root) {
        rc = relay_retraction(txn, type, guid, target_author, type[0] == 'C' ? c.post : 0,
                              type[0] == 'L' ? &l : NULL, a);
        if (rc != POD_OK) {
            pod_why(why, why_len, "cannot relay the retraction of %s %s: %s", type, guid,
                    pod_strerror(rc));
            return rc;
        }
    }
    if (type[0] == 'C')
        rc = store_comment_delete(txn, c.id);
    else if (type[0] == 'L')
        rc = store_like_delete(txn, l.id);
    else
        rc = store_post_delete(txn, p.id);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot delete %s %s: %s", type, guid, pod_strerror(rc));
    return rc;
}

/* ------------------------------------------------------------ participation */

/* A remote person subscribes to a local public post (§3.2): remembered as
 * a participant, whose pod then gets the post's comments and likes. */
static int
apply_participation(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                    char *why, size_t why_len)
{
    const char *parent = fed_entity_get(in->entity, "parent_guid");
    const char *ptype = fed_entity_parent_type(in->entity);
    struct store_person pa;
    struct store_post p;
    int rc;

    if (!ptype || strcmp(ptype, "Post") != 0) {
        pod_why(why, why_len, "participation in a %s", ptype ? ptype : "(nothing)");
        return POD_ERR_INVAL;
    }
    if (in->sender->username[0]) {
        pod_why(why, why_len, "participation of a local person over federation");
        return POD_ERR_AUTH;
    }
    rc = store_post_get_by_guid(txn, parent, a, &p);
    if (rc == POD_ERR_NOTFOUND) {
        LOG_INFO("federation", "participation in unknown post %s: nothing to do", parent);
        return POD_OK; /* only the post's pod gets it: deleted here */
    }
    if (rc == POD_OK)
        rc = store_person_get(txn, p.author, &pa);
    if (rc != POD_OK)
        return rc;
    if (!pa.username[0]) {
        pod_why(why, why_len, "participation in %s, which is not a local post", parent);
        return POD_ERR_INVAL;
    }
    if (!p.public) {
        pod_why(why, why_len, "participation in the limited post %s", parent);
        return POD_ERR_AUTH;
    }
    if (store_block_exists(txn, pa.id, in->sender->id))
        return POD_OK; /* ignored by the author: nothing to remember */
    rc = store_participation_set(txn, in->sender->id, p.id, true);
    if (rc != POD_OK)
        pod_why(why, why_len, "cannot store participation in %s: %s", parent, pod_strerror(rc));
    return rc;
}

/* ------------------------------------------------------------ people */

static int
apply_contact(struct store_txn *txn, const struct social_fed_in *in, char *why, size_t why_len)
{
    const struct fed_entity *e = in->entity;
    struct store_person owner;
    struct store_contact c;
    bool following = true, sharing = true, blocking = false, was;
    int rc;

    rc = social_fed_person_by_did(txn, fed_entity_get(e, "recipient"), &owner);
    if (rc != POD_OK || !owner.username[0] || (in->recipient && in->recipient != owner.id)) {
        pod_why(why, why_len, "contact for %s, who is not the local recipient",
                fed_entity_get(e, "recipient"));
        return rc == POD_OK || rc == POD_ERR_NOTFOUND ? POD_ERR_AUTH : rc;
    }
    if (in->sender->username[0]) {
        pod_why(why, why_len, "contact from a local person over federation");
        return POD_ERR_AUTH;
    }
    (void)fed_entity_get_bool(e, "following", &following);
    (void)fed_entity_get_bool(e, "sharing", &sharing);
    (void)fed_entity_get_bool(e, "blocking", &blocking);
    rc = store_contact_get(txn, owner.id, in->sender->id, &c);
    if (rc == POD_ERR_NOTFOUND) {
        memset(&c, 0, sizeof c);
        c.owner = owner.id;
        c.person = in->sender->id;
        c.created_at = in->now;
    } else if (rc != POD_OK) {
        return rc;
    }
    was = c.receiving;
    c.receiving = following && sharing && !blocking;
    if (was == c.receiving)
        return POD_OK;
    if (!c.receiving && !c.sharing)
        return store_contact_put(txn, &c); /* deletes it */
    rc = store_contact_put(txn, &c);
    if (rc == POD_OK && c.receiving)
        rc = social_notify_started_sharing(txn, in->sender->id, owner.id);
    return rc;
}

static bool
is_http_url(const char *s)
{
    return s && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

static void
take_avatar(char *out, size_t cap, const char *url)
{
    if (!url)
        return; /* absent: keep */
    if (!url[0])
        out[0] = '\0';
    else if (is_http_url(url) && strlen(url) < cap)
        social_fed_copy_fits(out, cap, url);
}

void
social_fed_take_profile(struct store_person *p, const struct fed_entity *profile, int64_t now)
{
    const char *first = fed_entity_get(profile, "first_name");
    const char *last = fed_entity_get(profile, "last_name");
    bool searchable = true;

    if (first || last) {
        social_fed_copy_cut(p->first_name, sizeof p->first_name, first);
        social_fed_copy_cut(p->last_name, sizeof p->last_name, last);
    } else if (fed_entity_get(profile, "full_name")) {
        social_fed_copy_cut(p->first_name, sizeof p->first_name,
                            fed_entity_get(profile, "full_name"));
        p->last_name[0] = '\0';
    }
    take_avatar(p->avatar_large, sizeof p->avatar_large, fed_entity_get(profile, "image_url"));
    take_avatar(p->avatar_medium, sizeof p->avatar_medium,
                fed_entity_get(profile, "image_url_medium"));
    take_avatar(p->avatar_small, sizeof p->avatar_small,
                fed_entity_get(profile, "image_url_small"));
    (void)fed_entity_get_bool(profile, "searchable", &searchable);
    p->searchable = searchable;
    p->updated_at = now;
}

static int
apply_profile(struct store_txn *txn, const struct social_fed_in *in, char *why, size_t why_len)
{
    static const char *const extended[] = {"bio", "birthday", "gender", "location"};
    const struct fed_entity *e = in->entity;
    struct store_person p = *in->sender;
    bool pub = false;

    if (p.username[0]) {
        pod_why(why, why_len, "profile of a local person over federation");
        return POD_ERR_AUTH;
    }
    (void)fed_entity_get_bool(e, "public", &pub);
    for (size_t i = 0; in->public_route && !pub && i < sizeof extended / sizeof extended[0]; i++) {
        if (fed_entity_get(e, extended[i])) {
            pod_why(why, why_len, "non-public profile with %s on the public route", extended[i]);
            return POD_ERR_AUTH;
        }
    }
    social_fed_take_profile(&p, e, in->now);
    return store_person_update(txn, &p);
}

/* ------------------------------------------------------------ dispatch */

int
social_fed_apply(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                 char *why, size_t why_len)
{
    const char *type = in->entity->type;
    const char *author = fed_entity_get(in->entity, "author");

    if (why && why_len)
        why[0] = '\0';
    /* A closed or moved account speaks no more, except to say so again
     * (a second delivery of its deletion or migration stays harmless). */
    if (strcmp(type, "account_deletion") != 0 && strcmp(type, "account_migration") != 0 &&
        (in->sender->closed || (in->author && in->author->closed))) {
        pod_why(why, why_len, "the account of %s is closed",
                in->sender->closed ? in->sender->diaspora_id : in->author->diaspora_id);
        return POD_ERR_AUTH;
    }
    if (strcmp(type, "comment") == 0)
        return apply_comment(txn, in, a, why, why_len);
    if (strcmp(type, "like") == 0)
        return apply_like(txn, in, a, why, why_len);
    if (strcmp(type, "poll_participation") == 0)
        return social_fed_apply_poll_participation(txn, in, a, why, why_len);
    if (strcmp(type, "retraction") == 0)
        return apply_retraction(txn, in, a, why, why_len);
    /* Default rule (§4.3): the sender is the author. */
    if (!social_fed_same_did(author, in->sender->diaspora_id)) {
        pod_why(why, why_len, "%s signed a %s of %s", in->sender->diaspora_id, type,
                author ? author : "nobody");
        return POD_ERR_AUTH;
    }
    if (strcmp(type, "status_message") == 0)
        return apply_status_message(txn, in, a, why, why_len);
    if (strcmp(type, "reshare") == 0)
        return apply_reshare(txn, in, a, why, why_len);
    if (strcmp(type, "participation") == 0)
        return apply_participation(txn, in, a, why, why_len);
    if (strcmp(type, "contact") == 0)
        return apply_contact(txn, in, why, why_len);
    if (strcmp(type, "profile") == 0)
        return apply_profile(txn, in, why, why_len);
    if (strcmp(type, "conversation") == 0)
        return social_fed_apply_conversation(txn, in, a, why, why_len);
    if (strcmp(type, "message") == 0)
        return social_fed_apply_message(txn, in, a, why, why_len);
    if (strcmp(type, "account_deletion") == 0)
        return social_fed_apply_account_deletion(txn, in, a, why, why_len);
    if (strcmp(type, "account_migration") == 0)
        return social_fed_apply_account_migration(txn, in, a, why, why_len);
    pod_why(why, why_len, "not handled yet: %s", type);
    return POD_ERR_INVAL;
}
