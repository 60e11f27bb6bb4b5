;; Imports the host's interrupt poll itself, to call it on its own terms.
(module
  (import "__awmg" "poll" (func $poll (result i32)))
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (call $poll))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
