/* A small JSON reader for guards: tokenizes a document into a flat array (no allocation), then lets the guard
 * look up object members and array elements. Strings stay escaped in the source; json_unescape decodes one. */
#ifndef AWMG_GUARD_JSON_H
#define AWMG_GUARD_JSON_H

#include <stddef.h>
#include <string.h>

enum json_kind { JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_PRIMITIVE };

typedef struct {
  enum json_kind kind;
  size_t start, end; /* strings: the contents between the quotes */
  int children;      /* members (objects: key + value pairs count as 2) or elements */
  int next;          /* the index of the first token after this one's subtree */
} json_token;

typedef struct {
  const char* text;
  size_t len, pos;
  json_token* tokens;
  int count, max;
} json_parser;

static int json_value(json_parser* p, int depth);

static void json_skip_space(json_parser* p) {
  while (p->pos < p->len && (p->text[p->pos] == ' ' || p->text[p->pos] == '\n' || p->text[p->pos] == '\r' ||
                             p->text[p->pos] == '\t'))
    ++p->pos;
}

static int json_new(json_parser* p, enum json_kind kind, size_t start) {
  if (p->count >= p->max) return -1;
  json_token* t = &p->tokens[p->count];
  t->kind = kind;
  t->start = start;
  t->end = start;
  t->children = 0;
  t->next = 0;
  return p->count++;
}

static int json_string(json_parser* p) {
  int index = json_new(p, JSON_STRING, ++p->pos);
  if (index < 0) return -1;
  while (p->pos < p->len && p->text[p->pos] != '"') p->pos += p->text[p->pos] == '\\' ? 2 : 1;
  if (p->pos >= p->len) return -1;
  p->tokens[index].end = p->pos++;
  p->tokens[index].next = p->count;
  return index;
}

static int json_container(json_parser* p, int depth, char close) {
  int index = json_new(p, close == '}' ? JSON_OBJECT : JSON_ARRAY, p->pos++);
  if (index < 0) return -1;
  json_skip_space(p);
  if (p->pos < p->len && p->text[p->pos] == close) {
    ++p->pos;
  } else {
    for (;;) {
      if (close == '}') {
        json_skip_space(p);
        if (p->pos >= p->len || p->text[p->pos] != '"' || json_string(p) < 0) return -1;
        json_skip_space(p);
        if (p->pos >= p->len || p->text[p->pos++] != ':') return -1;
        p->tokens[index].children++;
      }
      if (json_value(p, depth + 1) < 0) return -1;
      p->tokens[index].children++;
      json_skip_space(p);
      if (p->pos >= p->len) return -1;
      char c = p->text[p->pos++];
      if (c == close) break;
      if (c != ',') return -1;
    }
  }
  p->tokens[index].end = p->pos;
  p->tokens[index].next = p->count;
  return index;
}

static int json_value(json_parser* p, int depth) {
  if (depth > 64) return -1;
  json_skip_space(p);
  if (p->pos >= p->len) return -1;
  char c = p->text[p->pos];
  if (c == '{') return json_container(p, depth, '}');
  if (c == '[') return json_container(p, depth, ']');
  if (c == '"') return json_string(p);
  int index = json_new(p, JSON_PRIMITIVE, p->pos);
  if (index < 0) return -1;
  while (p->pos < p->len && strchr(",]} \n\r\t", p->text[p->pos]) == NULL) ++p->pos;
  p->tokens[index].end = p->pos;
  p->tokens[index].next = p->count;
  return index;
}

/* Tokenizes text; returns the number of tokens, or -1 for invalid JSON or too many tokens. */
static inline int json_parse(const char* text, size_t len, json_token* tokens, int max) {
  json_parser p = {text, len, 0, tokens, 0, max};
  if (json_value(&p, 0) < 0) return -1;
  return p.count;
}

static inline int json_equals(const char* text, const json_token* t, const char* literal) {
  size_t n = strlen(literal);
  return t->end - t->start == n && memcmp(text + t->start, literal, n) == 0;
}

/* The value of `key` in the object at `object`, or -1. */
static inline int json_member(const char* text, const json_token* tokens, int object, const char* key) {
  if (object < 0 || tokens[object].kind != JSON_OBJECT) return -1;
  int at = object + 1;
  for (int i = 0; i < tokens[object].children / 2; ++i) {
    if (json_equals(text, &tokens[at], key)) return at + 1;
    at = tokens[at + 1].next;
  }
  return -1;
}

/* The i-th element of the array at `array`, or -1. */
static inline int json_element(const json_token* tokens, int array, int i) {
  if (array < 0 || tokens[array].kind != JSON_ARRAY || i >= tokens[array].children) return -1;
  int at = array + 1;
  while (i-- > 0) at = tokens[at].next;
  return at;
}

/* Copies a string token's contents, decoding \" \\ \/ \n \t \r \b \f (\u escapes are kept as written). Returns
 * the length, or -1 when it does not fit. */
static inline int json_unescape(const char* text, const json_token* t, char* out, size_t cap) {
  size_t n = 0;
  for (size_t i = t->start; i < t->end; ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < t->end) {
      char e = text[++i];
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      if (e == 'u') {
        if (n + 2 > cap) return -1;
        out[n++] = '\\';
        c = 'u';
      }
    }
    if (n + 1 > cap) return -1;
    out[n++] = c;
  }
  if (n >= cap) return -1;
  out[n] = 0;
  return (int)n;
}

#endif
