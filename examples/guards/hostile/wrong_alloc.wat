;; alloc takes two parameters: the host would call it wrongly.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32 i32) (result i32) (i32.const 1024))
  (func (export "dealloc") (param i32 i32))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
