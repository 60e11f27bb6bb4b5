;; An export whose name would close a C comment in wasm2c's output and inject code into the native build.
;; The interpreter may run it; the native compiler must refuse it.
(module
  (memory (export "memory") 1)
  (func (export "x*/ int awmg_injected = 1; /*") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
