;; label_resource grows memory until the host's 512-page cap refuses, then writes past the end.
(module
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32)
    (block $refused
      (loop $grow
        (br_if $refused (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $grow)))
    (i32.store (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
    (i32.const 0))
  (func (export "pages") (param i32 i32 i32 i32) (result i32) (memory.size))
  ;; label_agent answers {"difc_mode":"filter"} (eight bytes at a time), so a gateway with a policy gets as far
  ;; as label_resource
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32)
    (i64.store (local.get 2) (i64.const 0x6d5f63666964227b))
    (i64.store offset=8 (local.get 2) (i64.const 0x6966223a2265646f))
    (i64.store offset=14 (local.get 2) (i64.const 0x7d227265746c6966))
    (i32.const 22))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
