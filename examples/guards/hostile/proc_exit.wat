;; label_resource exits with status 3 (a trap); label_response exits with 0 (the instance closes, no trap).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (call $exit (i32.const 3)) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (call $exit (i32.const 0)) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
