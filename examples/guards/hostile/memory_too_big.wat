;; Declares a 64 MiB maximum, over the host's 32 MiB cap.
(module
  (memory (export "memory") 1 1024)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
