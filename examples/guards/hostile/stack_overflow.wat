;; label_resource recurses without end (the store after each call keeps a C compiler from turning it into a loop).
(module
  (memory (export "memory") 1)
  (func $deeper (param i32) (result i32)
    (i32.store (i32.and (local.get 0) (i32.const 0xffc)) (call $deeper (i32.add (local.get 0) (i32.const 4))))
    (local.get 0))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (call $deeper (i32.const 0)))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
