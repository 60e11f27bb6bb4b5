;; A guard whose labels are broken: label_resource answers garbage for tools whose name ends in "d" (add) and
;; a valid read otherwise; label_response points its items at a path that does not exist. Each must deny the
;; call with a clear error, never pass the backend's data through.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{\22agent\22:{},\22difc_mode\22:\22filter\22}")                       ;; 33 bytes
  (data (i32.const 64) "{\22resource\22:{\22description\22:\22x\22},\22operation\22:\22read\22}") ;; 51 bytes
  (data (i32.const 128) "not json")                                                          ;; 8 bytes
  (data (i32.const 192) "{\22labeled_paths\22:[],\22items_path\22:\22/nowhere\22}")              ;; 44 bytes
  (func $answer (param $from i32) (param $len i32) (param $out i32) (result i32)
    (memory.copy (local.get $out) (local.get $from) (local.get $len))
    (local.get $len))
  (func (export "label_agent") (param i32 i32) (param $out i32) (param i32) (result i32)
    (call $answer (i32.const 0) (i32.const 33) (local.get $out)))
  (func (export "label_resource") (param $in i32) (param $in_len i32) (param $out i32) (param i32) (result i32)
    ;; the input ends with ...,"tool_name":"<tool>"} : the tool's last letter is 3 bytes from the end
    (if (result i32) (i32.eq (i32.load8_u (i32.sub (i32.add (local.get $in) (local.get $in_len)) (i32.const 3)))
                             (i32.const 100))
      (then (call $answer (i32.const 128) (i32.const 8) (local.get $out)))
      (else (call $answer (i32.const 64) (i32.const 51) (local.get $out)))))
  (func (export "label_response") (param i32 i32) (param $out i32) (param i32) (result i32)
    (call $answer (i32.const 192) (i32.const 44) (local.get $out))))
