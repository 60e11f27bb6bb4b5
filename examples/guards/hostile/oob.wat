;; label_resource reads far outside its linear memory.
(module
  (memory (export "memory") 1)
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32)
    (i32.load offset=16 (i32.const 0xfffffff0)))
  ;; label_agent answers {"difc_mode":"filter"} (eight bytes at a time), so a gateway with a policy gets as far
  ;; as label_resource
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32)
    (i64.store (local.get 2) (i64.const 0x6d5f63666964227b))
    (i64.store offset=8 (local.get 2) (i64.const 0x6966223a2265646f))
    (i64.store offset=14 (local.get 2) (i64.const 0x7d227265746c6966))
    (i32.const 22))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
