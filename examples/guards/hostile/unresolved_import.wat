;; Imports a function the host does not provide.
(module
  (import "env" "abort" (func $abort (param i32)))
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (call $abort (i32.const 1)) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
