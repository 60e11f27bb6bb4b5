/* An "issues and repositories" guard, labeling the demo server's repository tools the way GitHub's guard
 * labels GitHub: private repositories are secret, integrity follows the author's association (OWNER, MEMBER,
 * COLLABORATOR approved; CONTRIBUTOR unapproved; anyone else none), items of repositories outside the policy's
 * scope carry that repository's own tags (so they fail an agent's integrity floor), and list results are labeled
 * item by item with path labels. It asks the backend for a repository's visibility through call_backend.
 *
 * The enforcement mode is the guard's own answer to label_agent, as with upstream guards: GUARD_MODE, "filter"
 * unless the build says otherwise (the build also makes repo_guard_strict and repo_guard_propagate). */
#include <stdlib.h>

#include "guard_abi.h"
#include "guard_json.h"

#ifndef GUARD_MODE
#define GUARD_MODE "filter"
#endif

enum { SCOPE_ALL, SCOPE_PUBLIC, SCOPE_OWNER, SCOPE_REPO };
static const char* const kLevels[] = {"none", "unapproved", "approved", "merged"};

/* The policy label_agent received: guard-global state, replayed by the host on a fresh instance. */
static struct {
  int kind;
  char scope[160]; /* "all", "public", an owner, or owner/repo */
  int min_level;
} policy = {SCOPE_PUBLIC, "public", 0};

static json_token tokens[16384];

GUARD_EXPORT("alloc") void* guard_alloc(int32_t size) {
  return malloc((size_t)size);
}

GUARD_EXPORT("dealloc") void guard_dealloc(void* ptr, int32_t size) {
  (void)size;
  free(ptr);
}

static int level_of(const char* text, const json_token* t) {
  for (int i = 0; i < 4; ++i) {
    if (json_equals(text, t, kLevels[i])) return i;
  }
  return -1;
}

/* Integrity tags of `level` and every level below it, for one scope: subset checks then compare levels. */
static void add_levels(text_builder* b, int level, const char* scope) {
  for (int i = 0; i <= level; ++i) {
    text_add(b, i ? ",\"" : "\"");
    text_add(b, kLevels[i]);
    text_add(b, ":");
    text_add(b, scope);
    text_add(b, "\"");
  }
}

static int32_t finish(text_builder* b, char* out, int32_t cap) {
  if (b->len >= b->cap) return -1; /* our own buffer overflowed */
  return guard_output(b->data, b->len, out, cap);
}

GUARD_EXPORT("label_agent") int32_t label_agent(const char* in, int32_t in_len, char* out, int32_t cap) {
  int n = json_parse(in, (size_t)in_len, tokens, 16384);
  int allow = n > 0 ? json_member(in, tokens, 0, "allow-only") : -1;
  int repos = json_member(in, tokens, allow, "repos");
  int floor = json_member(in, tokens, allow, "min-integrity");
  if (repos < 0 || floor < 0 || level_of(in, &tokens[floor]) < 0) {
    guard_log(LOG_ERROR, "label_agent: the policy needs allow-only.repos and allow-only.min-integrity");
    return -1;
  }
  policy.min_level = level_of(in, &tokens[floor]);
  const json_token* scope = tokens[repos].kind == JSON_ARRAY ? &tokens[json_element(tokens, repos, 0)] : &tokens[repos];
  if (json_unescape(in, scope, policy.scope, sizeof policy.scope) < 0) return -1;
  size_t len = strlen(policy.scope);
  if (strcmp(policy.scope, "all") == 0) policy.kind = SCOPE_ALL;
  else if (strcmp(policy.scope, "public") == 0) policy.kind = SCOPE_PUBLIC;
  else if (len > 2 && strcmp(policy.scope + len - 2, "/*") == 0) {
    policy.kind = SCOPE_OWNER;
    policy.scope[len - 2] = 0;
  } else {
    policy.kind = SCOPE_REPO;
  }
  static char text[4096];
  text_builder b = {text, 0, sizeof text};
  text_add(&b, "{\"agent\":{\"secrecy\":[");
  if (policy.kind == SCOPE_OWNER || policy.kind == SCOPE_REPO) {
    text_add(&b, "\"private:");
    text_add(&b, policy.scope);
    text_add(&b, "\"");
  }
  text_add(&b, "],\"integrity\":[");
  add_levels(&b, policy.min_level, policy.scope);
  text_add(&b, "]},\"difc_mode\":\"" GUARD_MODE "\",\"normalized_policy\":{\"scope_kind\":\"");
  text_add(&b, (const char* const[]){"All", "Public", "Owner", "Repo"}[policy.kind]);
  text_add(&b, "\",\"min-integrity\":\"");
  text_add(&b, kLevels[policy.min_level]);
  text_add(&b, "\"}}");
  return finish(&b, out, cap);
}

/* Visibility answers, kept for the instance's life like GitHub's guard keeps them. */
static struct {
  char name[170];
  int is_private;
} visibility[64];
static int visibility_count;

static int ask_backend_private(const char* full_name);

static int repository_is_private(const char* full_name) {
  for (int i = 0; i < visibility_count; ++i) {
    if (strcmp(visibility[i].name, full_name) == 0) return visibility[i].is_private;
  }
  int is_private = ask_backend_private(full_name);
  if (visibility_count < 64 && strlen(full_name) < sizeof visibility[0].name) {
    strcpy(visibility[visibility_count].name, full_name);
    visibility[visibility_count++].is_private = is_private;
  }
  return is_private;
}

/* Asks the backend whether owner/repo is private; unknown counts as private (fail secure). */
static int ask_backend_private(const char* full_name) {
  static char args[256], result[8192], inner[8192];
  static json_token small[256];
  const char* slash = strchr(full_name, '/');
  if (!slash) return 1;
  text_builder b = {args, 0, sizeof args};
  text_add(&b, "{\"owner\":\"");
  size_t owner_len = (size_t)(slash - full_name);
  if (b.len + owner_len < b.cap) memcpy(args + b.len, full_name, owner_len);
  b.len += owner_len;
  text_add(&b, "\",\"repo\":\"");
  text_add(&b, slash + 1);
  text_add(&b, "\"}");
  if (b.len >= b.cap) return 1;
  int32_t n = call_backend("get_repository", 14, args, (int32_t)b.len, result, sizeof result);
  if (n <= 0) return 1;
  int count = json_parse(result, (size_t)n, small, 256);
  int text = json_member(result, small, json_element(small, json_member(result, small, 0, "content"), 0), "text");
  if (count < 0 || text < 0 || json_unescape(result, &small[text], inner, sizeof inner) < 0) return 1;
  if (json_parse(inner, strlen(inner), small, 256) < 0) return 1;
  int flag = json_member(inner, small, 0, "private");
  return flag < 0 || !json_equals(inner, &small[flag], "false");
}

static int in_scope(const char* full_name, int is_private) {
  switch (policy.kind) {
    case SCOPE_ALL: return 1;
    case SCOPE_PUBLIC: return !is_private;
    case SCOPE_OWNER: {
      size_t n = strlen(policy.scope);
      return strncmp(full_name, policy.scope, n) == 0 && full_name[n] == '/';
    }
    default: return strcmp(full_name, policy.scope) == 0;
  }
}

/* `"secrecy":[...],"integrity":[...]` of data in full_name at `level`. */
static void add_labels(text_builder* b, const char* full_name, int level) {
  int is_private = repository_is_private(full_name);
  int scoped = in_scope(full_name, is_private);
  const char* scope = scoped ? policy.scope : full_name;
  text_add(b, "\"secrecy\":[");
  if (is_private) {
    text_add(b, "\"private:");
    text_add(b, scoped && policy.kind >= SCOPE_OWNER ? policy.scope : full_name);
    text_add(b, "\"");
  }
  text_add(b, "],\"integrity\":[");
  add_levels(b, is_private && level < 2 ? 2 : level, scope);
  text_add(b, "]");
}

static int starts_with(const char* text, const char* prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

GUARD_EXPORT("label_resource") int32_t label_resource(const char* in, int32_t in_len, char* out, int32_t cap) {
  static char tool[128], owner[64], repo[100], full_name[170];
  int n = json_parse(in, (size_t)in_len, tokens, 16384);
  int tool_token = n > 0 ? json_member(in, tokens, 0, "tool_name") : -1;
  int args = n > 0 ? json_member(in, tokens, 0, "tool_args") : -1;
  int owner_token = json_member(in, tokens, args, "owner");
  int repo_token = json_member(in, tokens, args, "repo");
  if (tool_token < 0 || json_unescape(in, &tokens[tool_token], tool, sizeof tool) < 0) return -1;
  owner[0] = repo[0] = 0;
  if (owner_token >= 0) json_unescape(in, &tokens[owner_token], owner, sizeof owner);
  if (repo_token >= 0) json_unescape(in, &tokens[repo_token], repo, sizeof repo);
  if (strcmp(repo, "boom") == 0) __builtin_trap(); /* a guard bug, for the fail-closed tests */
  int write = starts_with(tool, "create_") || starts_with(tool, "update_") || starts_with(tool, "delete_");
  static char text[4096];
  text_builder b = {text, 0, sizeof text};
  text_add(&b, "{\"resource\":{\"description\":\"");
  text_add(&b, tool);
  if (owner[0] && repo[0]) {
    strcpy(full_name, owner);
    strcat(full_name, "/");
    strcat(full_name, repo);
    text_add(&b, " ");
    text_add(&b, full_name);
    text_add(&b, "\",");
    add_labels(&b, full_name, 2); /* repository data and writes are at the writer (approved) level */
  } else {
    /* No repository: the demo server's own tools and cross-repository searches, public and as trusted as the
     * policy asks (searches are then labeled item by item). */
    text_add(&b, "\",\"secrecy\":[],\"integrity\":[");
    add_levels(&b, 3, policy.scope);
    text_add(&b, "]");
  }
  text_add(&b, "},\"operation\":\"");
  text_add(&b, write ? "write" : "read");
  text_add(&b, "\"}");
  return finish(&b, out, cap);
}

static int association_level(const char* text, const json_token* t) {
  if (json_equals(text, t, "OWNER") || json_equals(text, t, "MEMBER") || json_equals(text, t, "COLLABORATOR"))
    return 2;
  return json_equals(text, t, "CONTRIBUTOR") ? 1 : 0;
}

/* `{"description":"issue #N (repo)",<labels>}` for one issue object. */
static void add_issue_labels(text_builder* b, const char* doc, int issue) {
  static char full_name[170], number[24];
  int repository = json_member(doc, tokens, issue, "repository");
  int num = json_member(doc, tokens, issue, "number");
  int association = json_member(doc, tokens, issue, "author_association");
  if (repository < 0 || json_unescape(doc, &tokens[repository], full_name, sizeof full_name) < 0) strcpy(full_name, "?");
  number[0] = 0;
  if (num >= 0 && tokens[num].end - tokens[num].start < sizeof number) {
    memcpy(number, doc + tokens[num].start, tokens[num].end - tokens[num].start);
    number[tokens[num].end - tokens[num].start] = 0;
  }
  text_add(b, "{\"description\":\"issue #");
  text_add(b, number);
  text_add(b, " (");
  text_add(b, full_name);
  text_add(b, ")\",");
  add_labels(b, full_name, association >= 0 ? association_level(doc, &tokens[association]) : 0);
  text_add(b, "}");
}

GUARD_EXPORT("label_response") int32_t label_response(const char* in, int32_t in_len, char* out, int32_t cap) {
  static char tool[128];
  static char doc[1 << 16];
  int n = json_parse(in, (size_t)in_len, tokens, 16384);
  int tool_token = n > 0 ? json_member(in, tokens, 0, "tool_name") : -1;
  if (tool_token < 0 || json_unescape(in, &tokens[tool_token], tool, sizeof tool) < 0) return -1;
  if (strcmp(tool, "list_issues") != 0 && strcmp(tool, "search_issues") != 0 && strcmp(tool, "issue_read") != 0)
    return 0; /* nothing finer than the resource labels */
  int result = json_member(in, tokens, 0, "tool_result");
  if (json_member(in, tokens, result, "isError") >= 0) return 0;
  int text = json_member(in, tokens, json_element(tokens, json_member(in, tokens, result, "content"), 0), "text");
  if (text < 0 || json_unescape(in, &tokens[text], doc, sizeof doc) < 0) return -1;
  if (json_parse(doc, strlen(doc), tokens, 16384) < 0) return -1;
  static char labels[1 << 16];
  text_builder b = {labels, 0, sizeof labels};
  if (strcmp(tool, "issue_read") == 0) {
    text_add(&b, "{\"labeled_paths\":[],\"items_path\":\"\",\"default_labels\":");
    add_issue_labels(&b, doc, 0);
    text_add(&b, "}");
    return finish(&b, out, cap);
  }
  int items = json_member(doc, tokens, 0, "items");
  if (items < 0) return -1;
  text_add(&b, "{\"items_path\":\"/items\",\"labeled_paths\":[");
  for (int i = 0; i < tokens[items].children; ++i) {
    char path[32] = "/items/";
    text_builder p = {path + 7, 0, sizeof path - 7};
    text_add_int(&p, i);
    path[7 + p.len] = 0;
    text_add(&b, i ? ",{\"path\":\"" : "{\"path\":\"");
    text_add(&b, path);
    text_add(&b, "\",\"labels\":");
    add_issue_labels(&b, doc, json_element(tokens, items, i));
    text_add(&b, "}");
  }
  text_add(&b, "],\"default_labels\":{\"description\":\"unlabeled issue\",\"secrecy\":[\"private\"],\"integrity\":[]}}");
  return finish(&b, out, cap);
}
