/* content.h: the deterministic bytes of blobs, files and item payloads.
 *
 * Shared by the mock server, which produces them, and the clients, which
 * check them. Nothing here depends on anything else in the project, so the
 * server links this alone. */
#ifndef CONTENT_H
#define CONTENT_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with bytes offset..offset+len of the content of id. Any split
 * of a stream into pieces gives the same bytes, so a server can write and a
 * client can check a stream chunk by chunk. Fast: several GB/s. */
void content_fill(uint64_t id, uint64_t offset, void *buf, size_t len);

/* 0 when buf holds exactly bytes offset..offset+len of id's content. */
int content_verify(uint64_t id, uint64_t offset, const void *buf, size_t len);

/* splitmix64's finaliser: a cheap, well-mixed 64-bit hash, the mix64 of
 * docs/options.md (The workloads). The content is made of it, and the
 * server's fault choice and jitter too, so every id's bytes and faults come
 * from one function. */
uint64_t content_mix64(uint64_t x);

#define ITEM_PAYLOAD_LEN 256

/* The item's payload: ITEM_PAYLOAD_LEN printable characters (letters and
 * digits, safe in JSON unescaped) determined by id, NUL-terminated; buf
 * holds at least ITEM_PAYLOAD_LEN + 1 bytes. */
void item_payload(long id, char *buf);

#endif
