/*
 * test_conversations.c - app/store/conversations.c: starting, answering,
 * listing by latest activity, unread counts, leaving and what the last one
 * out takes along, and the input limits. Every test runs in its own
 * directory under /tmp, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "storetest.h"

#include <ftw.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "core/error.h"
#include "store/conversations.h"
#include "store/store.h"

#define ALICE 21
#define BOB   22
#define CAROL 23

static struct store_conversation
mkconv(const char *guid, const char *subject, uint64_t author, const uint64_t *others, size_t n)
{
    struct store_conversation c;

    memset(&c, 0, sizeof c);
    snprintf(c.guid, sizeof c.guid, "%s", guid);
    snprintf(c.subject, sizeof c.subject, "%s", subject);
    c.author = author;
    c.participants[c.participant_count++] = author;
    for (size_t i = 0; i < n; i++)
        c.participants[c.participant_count++] = others[i];
    c.created_at = 100;
    return c;
}

static struct store_message
mkmsg(const char *guid, uint64_t author, const char *text, int64_t t)
{
    struct store_message m;

    memset(&m, 0, sizeof m);
    snprintf(m.guid, sizeof m.guid, "%s", guid);
    m.author = author;
    m.text = text;
    m.created_at = t;
    return m;
}

struct list {
    uint64_t ids[8];
    uint32_t unread[8];
    size_t count;
};

static int
collect(uint64_t id, uint32_t unread, void *ctx)
{
    struct list *l = ctx;

    l->unread[l->count] = unread;
    l->ids[l->count++] = id;
    return 0;
}

struct texts {
    const char *t[8];
    uint64_t author[8];
    size_t count;
};

static int
collect_msg(const struct store_message *m, void *ctx)
{
    struct texts *t = ctx;

    t->author[t->count] = m->author;
    t->t[t->count++] = m->text;
    return 0;
}

static void
test_start_answer_list(void **state)
{
    struct fixture *f = *state;
    uint64_t bob[] = {BOB};
    struct store_conversation c1 = mkconv("conv-guid-1", "Hello", ALICE, bob, 1), c2, got;
    struct store_message m1 = mkmsg("msg-guid-1", ALICE, "first", 100);
    struct store_message m2 = mkmsg("msg-guid-2", BOB, "answer", 200);
    struct store_message m3;
    struct store_txn *txn = wtxn(f);
    struct list l = {0};
    struct texts t = {0};
    uint32_t unread;
    uint64_t c2id;

    assert_int_equal(store_conversation_add(txn, &c1, &m1), POD_OK);
    assert_true(c1.id != 0);
    assert_int_equal(m1.conversation, c1.id);
    c2 = mkconv("conv-guid-2", "Later", BOB, (uint64_t[]){ALICE}, 1);
    m3 = mkmsg("msg-guid-3", BOB, "other", 150);
    assert_int_equal(store_conversation_add(txn, &c2, &m3), POD_OK);
    /* A known GUID is refused. */
    c2id = c2.id;
    c2.id = 0;
    m3 = mkmsg("msg-guid-4", BOB, "x", 150);
    assert_int_equal(store_conversation_add(txn, &c2, &m3), POD_ERR_EXISTS);
    commit(txn);

    txn = rtxn(f);
    assert_int_equal(store_conversations_of(txn, ALICE, 10, collect, &l), POD_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.ids[0], c2id); /* newer */
    assert_int_equal(l.ids[1], c1.id);
    assert_int_equal(l.unread[0], 1);
    assert_int_equal(l.unread[1], 0);
    assert_true(store_conversation_visible(txn, c1.id, BOB, &unread));
    assert_int_equal(unread, 1);
    assert_false(store_conversation_visible(txn, c1.id, CAROL, NULL));
    store_txn_abort(txn);

    /* bob answers: c1 moves to the top, alice has one unread there. */
    txn = wtxn(f);
    m2.conversation = c1.id;
    assert_int_equal(store_message_add(txn, &m2), POD_OK);
    m3 = mkmsg("msg-guid-5", CAROL, "intruder", 300);
    m3.conversation = c1.id;
    assert_int_equal(store_message_add(txn, &m3), POD_ERR_AUTH);
    m3.conversation = 999;
    assert_int_equal(store_message_add(txn, &m3), POD_ERR_NOTFOUND);
    assert_int_equal(store_conversation_mark_read(txn, c1.id, BOB), POD_OK);
    commit(txn);

    txn = rtxn(f);
    l.count = 0;
    assert_int_equal(store_conversations_of(txn, ALICE, 10, collect, &l), POD_OK);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.ids[0], c1.id);
    assert_int_equal(l.unread[0], 1);
    assert_int_equal(store_conversations_unread(txn, ALICE, &unread), POD_OK);
    assert_int_equal(unread, 2);
    assert_int_equal(store_conversations_unread(txn, BOB, &unread), POD_OK);
    assert_int_equal(unread, 0);
    assert_int_equal(store_conversation_get(txn, c1.id, &got), POD_OK);
    assert_string_equal(got.subject, "Hello");
    assert_string_equal(got.guid, "conv-guid-1");
    assert_int_equal(got.updated_at, 200);
    assert_int_equal(got.participant_count, 2);
    assert_int_equal(store_messages_each(txn, c1.id, &f->arena, collect_msg, &t), POD_OK);
    assert_int_equal(t.count, 2);
    assert_string_equal(t.t[0], "first");
    assert_string_equal(t.t[1], "answer");
    assert_int_equal(t.author[1], BOB);
    store_txn_abort(txn);
}

static void
test_leave(void **state)
{
    struct fixture *f = *state;
    uint64_t others[] = {BOB, CAROL};
    struct store_conversation c = mkconv("conv-guid-9", "Three", ALICE, others, 2), got;
    struct store_message m = mkmsg("msg-guid-9", ALICE, "hi", 100), a;
    struct store_txn *txn = wtxn(f);
    struct list l = {0};
    struct texts t = {0};

    assert_int_equal(store_conversation_add(txn, &c, &m), POD_OK);
    assert_int_equal(store_conversation_leave(txn, c.id, BOB), POD_OK);
    assert_int_equal(store_conversation_leave(txn, c.id, BOB), POD_ERR_NOTFOUND);
    /* Who left may not write, and does not get the new message counted. */
    a = mkmsg("msg-guid-10", BOB, "back?", 110);
    a.conversation = c.id;
    assert_int_equal(store_message_add(txn, &a), POD_ERR_AUTH);
    a = mkmsg("msg-guid-11", CAROL, "still here", 120);
    a.conversation = c.id;
    assert_int_equal(store_message_add(txn, &a), POD_OK);
    assert_int_equal(store_conversations_of(txn, BOB, 10, collect, &l), POD_OK);
    assert_int_equal(l.count, 0);
    assert_int_equal(store_conversation_leave(txn, c.id, ALICE), POD_OK);
    assert_int_equal(store_conversation_get(txn, c.id, &got), POD_OK);
    /* The last one out takes the conversation with them. */
    assert_int_equal(store_conversation_leave(txn, c.id, CAROL), POD_OK);
    assert_int_equal(store_conversation_get(txn, c.id, &got), POD_ERR_NOTFOUND);
    assert_int_equal(store_messages_each(txn, c.id, &f->arena, collect_msg, &t), POD_OK);
    assert_int_equal(t.count, 0);
    commit(txn);
    /* Its GUID is free again. */
    txn = wtxn(f);
    c.id = 0;
    m = mkmsg("msg-guid-12", ALICE, "again", 200);
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_OK);
    commit(txn);
}

static void
test_bad_input(void **state)
{
    struct fixture *f = *state;
    uint64_t many[STORE_CONV_PARTICIPANTS_MAX];
    uint64_t bob[] = {BOB};
    struct store_conversation c;
    struct store_message m = mkmsg("msg-guid-1", ALICE, "hi", 1);
    struct store_txn *txn = wtxn(f);
    char *big;

    for (size_t i = 0; i < STORE_CONV_PARTICIPANTS_MAX; i++)
        many[i] = 100 + i;
    c = mkconv("g1", "s", ALICE, many, STORE_CONV_PARTICIPANTS_MAX - 1);
    c.participant_count = STORE_CONV_PARTICIPANTS_MAX + 1; /* one too many */
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_LIMIT);
    c = mkconv("g1", "s", ALICE, NULL, 0); /* alone */
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    c = mkconv("g1", "s", ALICE, (uint64_t[]){ALICE}, 1); /* twice */
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    c = mkconv("g1", "s", ALICE, (uint64_t[]){0}, 1);
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    c = mkconv("", "s", ALICE, bob, 1);
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    c = mkconv("g1", "s", ALICE, bob, 1);
    m.author = BOB; /* the first message is the author's */
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    m.author = ALICE;
    big = malloc(STORE_MESSAGE_TEXT_MAX + 2);
    assert_non_null(big);
    memset(big, 'x', STORE_MESSAGE_TEXT_MAX + 1);
    big[STORE_MESSAGE_TEXT_MAX + 1] = '\0';
    m.text = big;
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_LIMIT);
    big[STORE_MESSAGE_TEXT_MAX] = '\0'; /* exactly the limit fits */
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_OK);
    commit(txn);
    txn = rtxn(f);
    assert_int_equal(store_conversation_add(txn, &c, &m), POD_ERR_INVAL);
    store_txn_abort(txn);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_start_answer_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
