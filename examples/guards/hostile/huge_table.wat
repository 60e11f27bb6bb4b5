;; A table of two million entries: the interpreter would allocate it whole.
(module
  (memory (export "memory") 1)
  (table 2000000 funcref)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
