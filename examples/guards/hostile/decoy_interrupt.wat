;; Exports a global whose C name would take the host's interrupt flag, so the watchdog would set the decoy.
(module
  (memory (export "memory") 1)
  (global (export "__awmg-interrupt") (mut i32) (i32.const 0))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
