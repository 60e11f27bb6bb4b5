;; Allows everything and labels nothing secret: next to a strict guard in one gateway, it shows that each server
;; gets its own guard's decisions (a server must never run another server's guard).
(module
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"agent\":{\"secrecy\":[],\"integrity\":[]},\"difc_mode\":\"filter\"}")
  (data (i32.const 2048) "{\"resource\":{\"description\":\"permissive\",\"secrecy\":[],\"integrity\":[]},\"operation\":\"read\"}")
  ;; copies `len` bytes from `src` to `out`; returns len
  (func $emit (param $src i32) (param $len i32) (param $out i32) (result i32)
    (local $i i32)
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (i32.store8 (i32.add (local.get $out) (local.get $i))
                    (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.get $len))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32)
    (call $emit (i32.const 1024) (i32.const 60) (local.get 2)))
  (func (export "label_resource") (param i32 i32 i32 i32) (result i32)
    (call $emit (i32.const 2048) (i32.const 88) (local.get 2)))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
