;; Exercises env.call_backend. Each function writes the i32 status (little-endian) first, then what it got.
(module
  (import "env" "call_backend" (func $cb (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "get_repo")
  ;; The input is the arguments JSON; the result lands after the status.
  (func (export "label_resource") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (local $n i32)
    (local.set $n (call $cb (i32.const 16) (i32.const 8) (local.get $in) (local.get $in_len)
                            (i32.add (local.get $out) (i32.const 4)) (i32.sub (local.get $cap) (i32.const 4))))
    (i32.store (local.get $out) (local.get $n))
    (if (result i32) (i32.gt_s (local.get $n) (i32.const 0))
      (then (i32.add (local.get $n) (i32.const 4))) (else (i32.const 4))))
  ;; 51 calls without arguments: statuses of the 50th and 51st.
  (func (export "label_response") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (local $i i32) (local $n i32)
    (loop $again
      (local.set $n (call $cb (i32.const 16) (i32.const 8) (i32.const 0) (i32.const 0)
                              (i32.add (local.get $out) (i32.const 8)) (i32.const 64)))
      (if (i32.eq (local.get $i) (i32.const 49)) (then (i32.store (local.get $out) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 51))))
    (i32.store offset=4 (local.get $out) (local.get $n))
    (i32.const 8))
  ;; A result area of 8 bytes: status, then the 8 bytes (the size hint when too small).
  (func (export "label_agent") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (i64.store offset=4 (local.get $out) (i64.const 0))
    (i32.store (local.get $out)
      (call $cb (i32.const 16) (i32.const 8) (local.get $in) (local.get $in_len)
                (i32.add (local.get $out) (i32.const 4)) (i32.const 8)))
    (i32.const 12))
  ;; A tool name pointer outside memory.
  (func (export "bad_pointer") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (i32.store (local.get $out)
      (call $cb (i32.const 0x7ffffff0) (i32.const 64) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
    (i32.const 4)))
