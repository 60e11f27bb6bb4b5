//! A DIFC guard shaped like GitHub's: Rust with serde_json, built for wasm32-wasi by Debian's rustc.
//!
//! Secrecy follows repository visibility (asked of the backend with `search_repositories`, kept per
//! repository); integrity follows the author: OWNER, MEMBER and COLLABORATOR are approved, CONTRIBUTOR
//! unapproved, anyone else none, unless the host's `get_collaborator_permission` (GitHub's REST API) says
//! they may push (admin, maintain, write: approved). Issue lists are labelled item by item. Anything the
//! guard cannot establish counts against the data: unknown visibility is private, an unanswered permission
//! adds nothing.

use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;

#[link(wasm_import_module = "env")]
extern "C" {
    fn call_backend(tool: *const u8, tool_len: i32, args: *const u8, args_len: i32, out: *mut u8, cap: i32) -> i32;
}

const LEVELS: [&str; 4] = ["none", "unapproved", "approved", "merged"];

#[derive(Clone, Copy, PartialEq)]
enum Scope {
    All,
    Public,
    Owner,
    Repo,
}

struct State {
    scope: Scope,
    scope_name: String,
    min_level: usize,
    visibility: HashMap<String, bool>,    // full name -> private
    permissions: HashMap<String, String>, // owner/repo:user (lower-cased) -> permission
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State {
        scope: Scope::Public,
        scope_name: "public".into(),
        min_level: 0,
        visibility: HashMap::new(),
        permissions: HashMap::new(),
    });
}

#[no_mangle]
pub extern "C" fn alloc(size: i32) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(size.max(1) as usize);
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, size: i32) {
    drop(Vec::from_raw_parts(ptr, 0, size.max(1) as usize));
}

unsafe fn input<'a>(ptr: *const u8, len: i32) -> Option<Value> {
    serde_json::from_slice(std::slice::from_raw_parts(ptr, len.max(0) as usize)).ok()
}

unsafe fn output(value: &Value, out: *mut u8, cap: i32) -> i32 {
    let text = value.to_string();
    if text.len() > cap as usize {
        return -2;
    }
    std::ptr::copy_nonoverlapping(text.as_ptr(), out, text.len());
    text.len() as i32
}

/// The MCP result of a host call, unwrapped: the JSON in its first text item.
fn backend(tool: &str, args: &Value) -> Option<Value> {
    let args = args.to_string();
    let mut buffer = vec![0u8; 256 * 1024];
    let n = unsafe {
        call_backend(tool.as_ptr(), tool.len() as i32, args.as_ptr(), args.len() as i32, buffer.as_mut_ptr(),
                     buffer.len() as i32)
    };
    if n <= 0 {
        return None;
    }
    let result: Value = serde_json::from_slice(&buffer[..n as usize]).ok()?;
    serde_json::from_str(result["content"][0]["text"].as_str()?).ok()
}

/// Whether a repository is private: Some when the backend said, None when it could not (then it counts as
/// private for secrecy, and nothing is granted for it). Only answers are kept: a failed lookup is asked again.
fn visibility(state: &mut State, full_name: &str) -> Option<bool> {
    if let Some(&known) = state.visibility.get(full_name) {
        return Some(known);
    }
    let answer = backend("search_repositories", &json!({"query": format!("repo:{}", full_name), "perPage": 10}))?;
    let items = answer["items"].as_array()?;
    let private = match items.iter().find(|r| r["full_name"].as_str() == Some(full_name)) {
        Some(r) => r["visibility"].as_str().map(|v| v != "public").or(r["private"].as_bool()).unwrap_or(true),
        None => true, // an answer without it: the token cannot see it, or it does not exist
    };
    state.visibility.insert(full_name.to_string(), private);
    Some(private)
}

fn can_push(state: &mut State, full_name: &str, user: &str) -> bool {
    let key = format!("{}:{}", full_name, user).to_lowercase();
    let permission = match state.permissions.get(&key) {
        Some(known) => known.clone(),
        None => {
            let (owner, repo) = full_name.split_once('/').unwrap_or((full_name, ""));
            let answer = backend("get_collaborator_permission", &json!({"owner": owner, "repo": repo, "username": user}));
            let permission = answer.and_then(|a| a["permission"].as_str().map(str::to_string)).unwrap_or_default();
            state.permissions.insert(key, permission.clone());
            permission
        }
    };
    matches!(permission.as_str(), "admin" | "maintain" | "write")
}

fn in_scope(state: &State, full_name: &str, private: bool) -> bool {
    match state.scope {
        Scope::All => true,
        Scope::Public => !private,
        Scope::Owner => full_name.split('/').next() == Some(state.scope_name.as_str()),
        Scope::Repo => full_name == state.scope_name,
    }
}

/// The integrity tags of `level` and every level below it, for one scope.
fn levels(level: usize, scope: &str) -> Vec<String> {
    LEVELS[..=level.min(3)].iter().map(|l| format!("{}:{}", l, scope)).collect()
}

fn labels(state: &mut State, description: String, full_name: &str, level: usize) -> Value {
    let known = visibility(state, full_name);
    let private = known.unwrap_or(true);
    let scoped = in_scope(state, full_name, private);
    let scope = if scoped { state.scope_name.clone() } else { full_name.to_string() };
    let secrecy: Vec<String> = if private {
        let name = if scoped && matches!(state.scope, Scope::Owner | Scope::Repo) { &state.scope_name } else { full_name };
        vec![format!("private:{}", name)]
    } else {
        vec![]
    };
    // A private repository's authors had to be let in; an unknown one grants nothing.
    let level = if known == Some(true) && level < 2 { 2 } else { level };
    json!({"description": description, "secrecy": secrecy, "integrity": levels(level, &scope)})
}

#[no_mangle]
pub unsafe extern "C" fn label_agent(ptr: *const u8, len: i32, out: *mut u8, cap: i32) -> i32 {
    let policy = match input(ptr, len) {
        Some(p) => p,
        None => return -1,
    };
    let allow = &policy["allow-only"];
    let min_level = match allow["min-integrity"].as_str().and_then(|l| LEVELS.iter().position(|x| *x == l)) {
        Some(level) => level,
        None => return -1,
    };
    let repos = &allow["repos"];
    let first = repos.as_str().or_else(|| repos[0].as_str()).unwrap_or("public").to_string();
    let (scope, scope_name) = match first.as_str() {
        "all" => (Scope::All, first.clone()),
        "public" => (Scope::Public, first.clone()),
        s if s.ends_with("/*") => (Scope::Owner, s[..s.len() - 2].to_string()),
        s => (Scope::Repo, s.to_string()),
    };
    STATE.with(|s| {
        let mut state = s.borrow_mut();
        state.scope = scope;
        state.scope_name = scope_name.clone();
        state.min_level = min_level;
    });
    let secrecy: Vec<String> =
        if matches!(scope, Scope::Owner | Scope::Repo) { vec![format!("private:{}", scope_name)] } else { vec![] };
    let answer = json!({
        "agent": {"secrecy": secrecy, "integrity": levels(min_level, &scope_name)},
        "difc_mode": "filter",
    });
    output(&answer, out, cap)
}

#[no_mangle]
pub unsafe extern "C" fn label_resource(ptr: *const u8, len: i32, out: *mut u8, cap: i32) -> i32 {
    let request = match input(ptr, len) {
        Some(r) => r,
        None => return -1,
    };
    let tool = request["tool_name"].as_str().unwrap_or("").to_string();
    let args = &request["tool_args"];
    let write = ["create_", "update_", "delete_"].iter().any(|p| tool.starts_with(p));
    let resource = STATE.with(|s| {
        let mut state = s.borrow_mut();
        match (args["owner"].as_str(), args["repo"].as_str()) {
            (Some(owner), Some(repo)) => {
                let full_name = format!("{}/{}", owner, repo);
                labels(&mut state, format!("{} {}", tool, full_name), &full_name, 2)
            }
            // Searches and the user are labelled item by item in the response; any other read without a
            // repository (notifications, organization settings) cannot be placed, so it counts as private.
            _ if matches!(tool.as_str(), "search_issues" | "search_repositories" | "search_code" | "get_me") => {
                let scope = state.scope_name.clone();
                json!({"description": tool, "secrecy": [], "integrity": levels(3, &scope)})
            }
            _ => json!({"description": tool, "secrecy": ["private"], "integrity": []}),
        }
    });
    output(&json!({"resource": resource, "operation": if write { "write" } else { "read" }}), out, cap)
}

fn association_level(association: &str) -> usize {
    match association {
        "OWNER" | "MEMBER" | "COLLABORATOR" => 2,
        "CONTRIBUTOR" => 1,
        _ => 0,
    }
}

/// The repository an issue belongs to: its `repository` (the demo server), its `repository_url` (REST), else
/// the call's owner and repo.
fn issue_repository(issue: &Value, args: &Value) -> String {
    if let Some(name) = issue["repository"].as_str() {
        return name.to_string();
    }
    if let Some(url) = issue["repository_url"].as_str() {
        if let Some((_, name)) = url.split_once("/repos/") {
            return name.to_string();
        }
    }
    format!("{}/{}", args["owner"].as_str().unwrap_or("?"), args["repo"].as_str().unwrap_or("?"))
}

fn issue_labels(state: &mut State, issue: &Value, args: &Value) -> Value {
    let full_name = issue_repository(issue, args);
    let association = issue["author_association"].as_str().or(issue["authorAssociation"].as_str()).unwrap_or("");
    let mut level = association_level(association);
    if level < 2 {
        if let Some(user) = issue["user"]["login"].as_str().or(issue["author"]["login"].as_str()) {
            if can_push(state, &full_name, user) {
                level = 2;
            }
        }
    }
    let description = format!("issue #{} ({})", issue["number"], full_name);
    labels(state, description, &full_name, level)
}

fn repository_labels(state: &mut State, repo: &Value) -> Value {
    let full_name = repo["full_name"].as_str().unwrap_or("?").to_string();
    let private = repo["visibility"].as_str().map(|v| v != "public").or(repo["private"].as_bool()).unwrap_or(true);
    state.visibility.insert(full_name.clone(), private);
    labels(state, format!("repository {}", full_name), &full_name, 2)
}

#[derive(Clone, Copy)]
enum Items {
    Issues,       // issues and pull requests: by their repository and author
    Repositories, // by their own visibility
    Found,        // search_code results: by the repository each was found in
}

/// The whole answer labelled as the repository the call names, at approved.
fn as_repository(state: &mut State, args: &Value, what: &str) -> Value {
    let full_name = format!("{}/{}", args["owner"].as_str().unwrap_or("?"), args["repo"].as_str().unwrap_or("?"));
    let repo_labels = labels(state, format!("{} ({})", what, full_name), &full_name, 2);
    json!({"labeled_paths": [], "items_path": "", "default_labels": repo_labels})
}

/// Labels for each element of the array at `items_path` in `data`.
fn each(state: &mut State, data: &Value, items_path: &str, args: &Value, kind: Items) -> Value {
    let empty = Vec::new();
    let items = data.pointer(items_path).and_then(Value::as_array).unwrap_or(&empty);
    let labeled: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let labels = match kind {
                Items::Issues => issue_labels(state, item, args),
                Items::Repositories => repository_labels(state, item),
                Items::Found => repository_labels(state, &item["repository"]),
            };
            json!({"path": format!("{}/{}", items_path, i), "labels": labels})
        })
        .collect();
    json!({
        "items_path": items_path,
        "labeled_paths": labeled,
        "default_labels": {"description": "unlabeled item", "secrecy": ["private"], "integrity": []},
    })
}

#[no_mangle]
pub unsafe extern "C" fn label_response(ptr: *const u8, len: i32, out: *mut u8, cap: i32) -> i32 {
    let mut request = match input(ptr, len) {
        Some(r) => r,
        None => return -1,
    };
    let tool = request["tool_name"].as_str().unwrap_or("").to_string();
    let tool = tool.as_str();
    let args = request["tool_args"].take();
    let result = request["tool_result"].take();
    if result.get("isError").is_some() {
        return 0;
    }
    // An MCP server's result carries the JSON in its text; the proxy passes GitHub's JSON itself.
    let data: Value = match result["content"][0]["text"].as_str() {
        Some(text) => match serde_json::from_str(text) {
            Ok(d) => d,
            Err(_) => return -1,
        },
        None => result,
    };
    let answer = STATE.with(|s| {
        let mut state = s.borrow_mut();
        let graphql = data.get("data").is_some();
        match tool {
            "search_issues" if graphql => Some(each(&mut state, &data, "/data/search/nodes", &args, Items::Issues)),
            // What CI wrote about the code, and the labels maintainers put on an issue: the repository's.
            "pull_request_read" if data["check_runs"].is_array() => Some(as_repository(&mut state, &args, "check runs")),
            "issue_read" if args["method"].as_str() == Some("get_labels") => {
                Some(as_repository(&mut state, &args, "issue labels"))
            }
            "issue_read" | "pull_request_read" if data.is_array() => Some(each(&mut state, &data, "", &args, Items::Issues)),
            "issue_read" if graphql => {
                let issue = &data["data"]["repository"]["issue"];
                let issue = if issue.is_null() { &data["data"]["repository"]["issueOrPullRequest"] } else { issue };
                Some(json!({"labeled_paths": [], "items_path": "", "default_labels": issue_labels(&mut state, issue, &args)}))
            }
            "pull_request_read" if graphql => {
                let pull = &data["data"]["repository"]["pullRequest"];
                Some(json!({"labeled_paths": [], "items_path": "", "default_labels": issue_labels(&mut state, pull, &args)}))
            }
            "issue_read" | "pull_request_read" if data.is_object() => {
                Some(json!({"labeled_paths": [], "items_path": "", "default_labels": issue_labels(&mut state, &data, &args)}))
            }
            "list_issues" if graphql => Some(each(&mut state, &data, "/data/repository/issues/nodes", &args, Items::Issues)),
            "list_pull_requests" if graphql => {
                Some(each(&mut state, &data, "/data/repository/pullRequests/nodes", &args, Items::Issues))
            }
            "list_issues" | "list_pull_requests" if data.is_array() => {
                Some(each(&mut state, &data, "", &args, Items::Issues))
            }
            "list_issues" | "search_issues" => Some(each(&mut state, &data, "/items", &args, Items::Issues)),
            "search_repositories" if data["items"].is_array() => {
                Some(each(&mut state, &data, "/items", &args, Items::Repositories))
            }
            "search_code" if data["items"].is_array() => Some(each(&mut state, &data, "/items", &args, Items::Found)),
            _ => None, // nothing finer than the resource's labels
        }
    });
    match answer {
        Some(a) => output(&a, out, cap),
        None => 0,
    }
}
