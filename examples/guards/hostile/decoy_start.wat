;; Exports a function whose C name would take the host's start export, so the host would call the decoy.
(module
  (memory (export "memory") 1)
  (func (export "__awmg-start"))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
