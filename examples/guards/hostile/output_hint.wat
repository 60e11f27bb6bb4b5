;; Asks for an output buffer of the size its input names (decimal digits), then answers with that many bytes:
;; the host's 16 MiB output limit at its edge. Memory is the host's direct fallback (no alloc export).
(module
  (memory (export "memory") 1)
  (func $number (param $p i32) (param $len i32) (result i32)
    (local $n i32) (local $c i32)
    (block $done
      (loop $digit
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (local.get $c)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $digit)))
    (local.get $n))
  (func (export "label_resource") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (local $n i32)
    (local.set $n (call $number (local.get $in) (local.get $in_len)))
    (if (i32.lt_u (local.get $cap) (local.get $n))
      (then
        (i32.store (local.get $out) (local.get $n))
        (return (i32.const -2))))
    (local.get $n))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const 0))
  (func (export "label_agent") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
