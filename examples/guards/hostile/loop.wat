;; label_resource never returns: the watchdog must stop it at the call deadline.
(module
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
