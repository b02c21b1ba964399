;; Dense-layer loops for the JS kernel (trainer/models/kernels/dense-mlp.ts), in WebAssembly
;; SIMD (f32x4). Every pointer is a byte offset into the imported memory; matrices are row-major
;; float32: x [n, in], w [in, out], z / dz [n, out]. The JS side owns the memory layout.
;; Compiled by scripts/build-kernel.ts into dense-wasm.ts (a test checks the two agree).
;;
;; Columns go 16 at a time (four f32x4 accumulators held in locals), then 4, then one by one, so
;; any width works; a zero input (half of them after a ReLU) is skipped: 0 * w adds nothing.
(module
  (import "env" "memory" (memory 1))

  ;; z[r, :] = b + x[r, :] w, then max(z, 0) when $relu is 1.
  (func (export "forward")
    (param $x i32) (param $n i32) (param $in i32) (param $w i32) (param $b i32) (param $out i32) (param $z i32) (param $relu i32)
    (local $r i32) (local $j i32) (local $k i32) (local $xr i32) (local $zr i32) (local $wk i32) (local $rowOut i32)
    (local $a f32) (local $s f32) (local $av v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $rowOut (i32.shl (local.get $out) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $xr (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $in)) (i32.const 2))))
      (local.set $zr (i32.add (local.get $z) (i32.mul (local.get $r) (local.get $rowOut))))
      (local.set $j (i32.const 0))
      ;; 16 columns at a time
      (block $j16_done (loop $j16
        (br_if $j16_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $out)))
        (local.set $wk (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $c0 (v128.load offset=0 (local.get $wk)))
        (local.set $c1 (v128.load offset=16 (local.get $wk)))
        (local.set $c2 (v128.load offset=32 (local.get $wk)))
        (local.set $c3 (v128.load offset=48 (local.get $wk)))
        (local.set $wk (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $k_done (loop $ks
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $in)))
          (local.set $a (f32.load (i32.add (local.get $xr) (i32.shl (local.get $k) (i32.const 2)))))
          (if (f32.ne (local.get $a) (f32.const 0)) (then
            (local.set $av (f32x4.splat (local.get $a)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $av) (v128.load offset=0 (local.get $wk)))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $wk)))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $av) (v128.load offset=32 (local.get $wk)))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $av) (v128.load offset=48 (local.get $wk)))))))
          (local.set $wk (i32.add (local.get $wk) (local.get $rowOut)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $ks)))
        (if (local.get $relu) (then
          (local.set $c0 (f32x4.max (local.get $c0) (v128.const f32x4 0 0 0 0)))
          (local.set $c1 (f32x4.max (local.get $c1) (v128.const f32x4 0 0 0 0)))
          (local.set $c2 (f32x4.max (local.get $c2) (v128.const f32x4 0 0 0 0)))
          (local.set $c3 (f32x4.max (local.get $c3) (v128.const f32x4 0 0 0 0)))))
        (local.set $wk (i32.add (local.get $zr) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store offset=0 (local.get $wk) (local.get $c0))
        (v128.store offset=16 (local.get $wk) (local.get $c1))
        (v128.store offset=32 (local.get $wk) (local.get $c2))
        (v128.store offset=48 (local.get $wk) (local.get $c3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $j16)))
      ;; 4 columns at a time
      (block $j4_done (loop $j4
        (br_if $j4_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $out)))
        (local.set $c0 (v128.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $wk (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $k4_done (loop $k4
          (br_if $k4_done (i32.ge_u (local.get $k) (local.get $in)))
          (local.set $a (f32.load (i32.add (local.get $xr) (i32.shl (local.get $k) (i32.const 2)))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (f32x4.splat (local.get $a)) (v128.load (local.get $wk)))))
          (local.set $wk (i32.add (local.get $wk) (local.get $rowOut)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k4)))
        (if (local.get $relu) (then (local.set $c0 (f32x4.max (local.get $c0) (v128.const f32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $zr) (i32.shl (local.get $j) (i32.const 2))) (local.get $c0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j4)))
      ;; the remaining columns one by one
      (block $j1_done (loop $j1
        (br_if $j1_done (i32.ge_u (local.get $j) (local.get $out)))
        (local.set $s (f32.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $wk (i32.add (local.get $w) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $k1_done (loop $k1
          (br_if $k1_done (i32.ge_u (local.get $k) (local.get $in)))
          (local.set $s (f32.add (local.get $s) (f32.mul
            (f32.load (i32.add (local.get $xr) (i32.shl (local.get $k) (i32.const 2))))
            (f32.load (local.get $wk)))))
          (local.set $wk (i32.add (local.get $wk) (local.get $rowOut)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k1)))
        (if (local.get $relu) (then (local.set $s (f32.max (local.get $s) (f32.const 0)))))
        (f32.store (i32.add (local.get $zr) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j1)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows)))
  )

  ;; gw[k, j] = sum_r x[r, k] dz[r, j];  gb[j] = sum_r dz[r, j]   (overwrites gw and gb)
  (func (export "backward_weights")
    (param $x i32) (param $n i32) (param $in i32) (param $dz i32) (param $out i32) (param $gw i32) (param $gb i32)
    (local $r i32) (local $j i32) (local $k i32) (local $xp i32) (local $dp i32) (local $rowIn i32) (local $rowOut i32) (local $g i32)
    (local $a f32) (local $s f32) (local $av v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $rowIn (i32.shl (local.get $in) (i32.const 2)))
    (local.set $rowOut (i32.shl (local.get $out) (i32.const 2)))
    (local.set $k (i32.const 0))
    (block $k_done (loop $ks
      (br_if $k_done (i32.ge_u (local.get $k) (local.get $in)))
      (local.set $g (i32.add (local.get $gw) (i32.mul (local.get $k) (local.get $rowOut))))
      (local.set $j (i32.const 0))
      (block $j16_done (loop $j16
        (br_if $j16_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $out)))
        (local.set $c0 (v128.const f32x4 0 0 0 0))
        (local.set $c1 (v128.const f32x4 0 0 0 0))
        (local.set $c2 (v128.const f32x4 0 0 0 0))
        (local.set $c3 (v128.const f32x4 0 0 0 0))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $dp (i32.add (local.get $dz) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $r_done (loop $rs
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $n)))
          (local.set $a (f32.load (local.get $xp)))
          (if (f32.ne (local.get $a) (f32.const 0)) (then
            (local.set $av (f32x4.splat (local.get $a)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $av) (v128.load offset=0 (local.get $dp)))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $dp)))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $av) (v128.load offset=32 (local.get $dp)))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $av) (v128.load offset=48 (local.get $dp)))))))
          (local.set $xp (i32.add (local.get $xp) (local.get $rowIn)))
          (local.set $dp (i32.add (local.get $dp) (local.get $rowOut)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rs)))
        (v128.store offset=0 (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $c0))
        (v128.store offset=16 (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $c1))
        (v128.store offset=32 (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $c2))
        (v128.store offset=48 (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $c3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $j16)))
      (block $j4_done (loop $j4
        (br_if $j4_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $out)))
        (local.set $c0 (v128.const f32x4 0 0 0 0))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $dp (i32.add (local.get $dz) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $r4_done (loop $r4
          (br_if $r4_done (i32.ge_u (local.get $r) (local.get $n)))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (f32x4.splat (f32.load (local.get $xp))) (v128.load (local.get $dp)))))
          (local.set $xp (i32.add (local.get $xp) (local.get $rowIn)))
          (local.set $dp (i32.add (local.get $dp) (local.get $rowOut)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $r4)))
        (v128.store (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $c0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j4)))
      (block $j1_done (loop $j1
        (br_if $j1_done (i32.ge_u (local.get $j) (local.get $out)))
        (local.set $s (f32.const 0))
        (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $dp (i32.add (local.get $dz) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $r (i32.const 0))
        (block $r1_done (loop $r1
          (br_if $r1_done (i32.ge_u (local.get $r) (local.get $n)))
          (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $xp)) (f32.load (local.get $dp)))))
          (local.set $xp (i32.add (local.get $xp) (local.get $rowIn)))
          (local.set $dp (i32.add (local.get $dp) (local.get $rowOut)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $r1)))
        (f32.store (i32.add (local.get $g) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $ks)))
    ;; bias: column sums of dz
    (local.set $j (i32.const 0))
    (block $b4_done (loop $b4
      (br_if $b4_done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $out)))
      (local.set $c0 (v128.const f32x4 0 0 0 0))
      (local.set $dp (i32.add (local.get $dz) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $br4_done (loop $br4
        (br_if $br4_done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $c0 (f32x4.add (local.get $c0) (v128.load (local.get $dp))))
        (local.set $dp (i32.add (local.get $dp) (local.get $rowOut)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $br4)))
      (v128.store (i32.add (local.get $gb) (i32.shl (local.get $j) (i32.const 2))) (local.get $c0))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $b4)))
    (block $b1_done (loop $b1
      (br_if $b1_done (i32.ge_u (local.get $j) (local.get $out)))
      (local.set $s (f32.const 0))
      (local.set $dp (i32.add (local.get $dz) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $br1_done (loop $br1
        (br_if $br1_done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $s (f32.add (local.get $s) (f32.load (local.get $dp))))
        (local.set $dp (i32.add (local.get $dp) (local.get $rowOut)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $br1)))
      (f32.store (i32.add (local.get $gb) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $b1)))
  )

  ;; dh[r, k] = sum_j dz[r, j] w[k, j]; where $relu is 1, 0 wherever h[r, k] <= 0 (the ReLU's
  ;; derivative, h its output), without computing the sum there.
  (func (export "backward_input")
    (param $dz i32) (param $n i32) (param $out i32) (param $w i32) (param $in i32) (param $h i32) (param $dh i32) (param $relu i32)
    (local $r i32) (local $j i32) (local $k i32) (local $dr i32) (local $wk i32) (local $at i32) (local $rowOut i32)
    (local $s f32) (local $c0 v128) (local $c1 v128)
    (local.set $rowOut (i32.shl (local.get $out) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $dr (i32.add (local.get $dz) (i32.mul (local.get $r) (local.get $rowOut))))
      (local.set $k (i32.const 0))
      (block $k_done (loop $ks
        (br_if $k_done (i32.ge_u (local.get $k) (local.get $in)))
        (local.set $at (i32.shl (i32.add (i32.mul (local.get $r) (local.get $in)) (local.get $k)) (i32.const 2)))
        (block $skip
          (if (local.get $relu) (then
            (if (i32.eqz (f32.gt (f32.load (i32.add (local.get $h) (local.get $at))) (f32.const 0))) (then
              (f32.store (i32.add (local.get $dh) (local.get $at)) (f32.const 0))
              (br $skip)))))
          (local.set $wk (i32.add (local.get $w) (i32.mul (local.get $k) (local.get $rowOut))))
          (local.set $c0 (v128.const f32x4 0 0 0 0))
          (local.set $c1 (v128.const f32x4 0 0 0 0))
          (local.set $j (i32.const 0))
          (block $j8_done (loop $j8
            (br_if $j8_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $out)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul
              (v128.load offset=0 (i32.add (local.get $dr) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=0 (i32.add (local.get $wk) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $dr) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=16 (i32.add (local.get $wk) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $j8)))
          (local.set $c0 (f32x4.add (local.get $c0) (local.get $c1)))
          (local.set $s (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $c0)) (f32x4.extract_lane 1 (local.get $c0)))
            (f32.add (f32x4.extract_lane 2 (local.get $c0)) (f32x4.extract_lane 3 (local.get $c0)))))
          (block $j1_done (loop $j1
            (br_if $j1_done (i32.ge_u (local.get $j) (local.get $out)))
            (local.set $s (f32.add (local.get $s) (f32.mul
              (f32.load (i32.add (local.get $dr) (i32.shl (local.get $j) (i32.const 2))))
              (f32.load (i32.add (local.get $wk) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $j1)))
          (f32.store (i32.add (local.get $dh) (local.get $at)) (local.get $s)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $ks)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows)))
  )
)
