/* content.c: the deterministic bytes of blobs, files and item payloads.
 *
 * The content of id is a stream of 64-bit words, word k being a hash of
 * (id, k), stored little-endian. A byte depends only on its id and offset,
 * so any piece of the stream can be made or checked on its own, in O(len),
 * without holding the rest. */
#include "content.h"

#include <string.h>

uint64_t content_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

void content_fill(uint64_t id, uint64_t offset, void *buf, size_t len)
{
    unsigned char *out = buf;
    uint64_t key = content_mix64(id);
    uint64_t k = offset / 8;
    unsigned first = (unsigned)(offset % 8);

    while (len > 0) {
        uint64_t word = content_mix64(k ^ key);
        for (unsigned b = first; b < 8 && len > 0; b++, len--)
            *out++ = (unsigned char)(word >> (8 * b));
        first = 0;
        k++;
    }
}

int content_verify(uint64_t id, uint64_t offset, const void *buf, size_t len)
{
    const unsigned char *in = buf;
    unsigned char expected[4096];

    while (len > 0) {
        size_t n = len < sizeof expected ? len : sizeof expected;
        content_fill(id, offset, expected, n);
        if (memcmp(in, expected, n) != 0)
            return -1;
        in += n;
        offset += n;
        len -= n;
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
