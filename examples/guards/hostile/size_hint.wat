;; The -2 protocol: label_resource needs 5 MiB and says so; label_response never says how much it needs;
;; label_agent asks for 32 MiB, over the host's 16 MiB maximum.
(module
  (memory (export "memory") 1)
  (func (export "label_resource") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (if (i32.lt_u (local.get $cap) (i32.const 5242880))
      (then (i32.store (local.get $out) (i32.const 5242880)) (return (i32.const -2))))
    (i32.store16 (local.get $out) (i32.const 0x7d7b)) ;; "{}"
    (i32.const 2))
  (func (export "label_response") (param i32 i32 i32 i32) (result i32) (i32.const -2))
  (func (export "label_agent") (param $in i32) (param $in_len i32) (param $out i32) (param $cap i32) (result i32)
    (i32.store (local.get $out) (i32.const 33554432))
    (i32.const -2))
  ;; Claims more output than the buffer holds.
  (func (export "overlong") (param i32 i32 i32) (param $cap i32) (result i32) (i32.add (local.get $cap) (i32.const 1)))
  ;; Returns an error code.
  (func (export "failing") (param i32 i32 i32 i32) (result i32) (i32.const -1)))
