/* content.c: the deterministic bytes of blobs, files and item payloads.
 *
 * The content of id is a stream of 64-bit words, word k being a hash of
 * (id, k), stored little-endian. A byte depends only on its id and offset,
 * so any piece of the stream can be made or checked on its own, in O(len),
 * without holding the rest. */
#include "content.h"

#include <endian.h>
#include <string.h>

uint64_t content_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Word k of id's content as it is stored: little-endian. */
static uint64_t content_word(uint64_t key, uint64_t k)
{
    return htole64(content_mix64(k ^ key));
}

/* Both functions below walk a piece the same way: the part of its first
 * word that it holds, then whole words (the bulk: one hash per 8 bytes),
 * then the part of its last word. */

void content_fill(uint64_t id, uint64_t offset, void *buf, size_t len)
{
    unsigned char *out = buf;
    uint64_t key = content_mix64(id);
    uint64_t k = offset / 8;
    size_t skip = (size_t)(offset % 8);

    while (len > 0) {
        uint64_t word = content_word(key, k++);
        size_t n = 8 - skip < len ? 8 - skip : len;

        memcpy(out, (unsigned char *)&word + skip, n);
        out += n;
        len -= n;
        skip = 0;
        for (; len >= 8; len -= 8, out += 8, k++) {
            word = content_word(key, k);
            memcpy(out, &word, 8);
        }
    }
}

int content_verify(uint64_t id, uint64_t offset, const void *buf, size_t len)
{
    const unsigned char *in = buf;
    uint64_t key = content_mix64(id);
    uint64_t k = offset / 8;
    size_t skip = (size_t)(offset % 8);

    while (len > 0) {
        uint64_t word = content_word(key, k++), got;
        size_t n = 8 - skip < len ? 8 - skip : len;

        if (memcmp(in, (unsigned char *)&word + skip, n) != 0)
            return -1;
        in += n;
        len -= n;
        skip = 0;
        for (; len >= 8; len -= 8, in += 8, k++) {
            memcpy(&got, in, 8);
            if (got != content_word(key, k))
                return -1;
        }
    }
    return 0;
}

void item_payload(long id, char *buf)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t key = content_mix64((uint64_t)id ^ 0x6974656d /* "item" */);

    for (size_t i = 0; i < ITEM_PAYLOAD_LEN; i++)
        buf[i] = alphabet[content_mix64(key + i) % (sizeof alphabet - 1)];
    buf[ITEM_PAYLOAD_LEN] = '\0';
}
