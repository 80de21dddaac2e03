#!/usr/bin/python3
"""Tests of the model tools: COCO RLE, the scene generator, the converter's command line (ResNet
and MobileNetV3 checkpoints) and a short training run. Run: /usr/bin/python3 -m unittest models/test_tools.py (from the root)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import coco_rle  # noqa: E402
import convert  # noqa: E402
import model_file  # noqa: E402
import scenes  # noqa: E402

PYTHON = sys.executable


def run_tool(*args):
    return subprocess.run([PYTHON, *args], capture_output=True, text=True, check=False)


class CocoRle(unittest.TestCase):
    def test_counts_are_column_major_and_start_with_zeros(self):
        mask = np.array([[0, 1, 1],
                         [1, 1, 0]], dtype=bool)
        # Column-major: column 0 = 0,1; column 1 = 1,1; column 2 = 1,0 -> 0 1 1 1 1 0
        self.assertEqual(coco_rle.mask_to_counts(mask), [1, 4, 1])
        self.assertEqual(coco_rle.mask_to_counts(np.ones((2, 2), bool)), [0, 4])

    def test_string_of_known_counts(self):
        # 1 -> '1' (48+1); 4 -> '4'; third count 1 is stored as-is -> '1'
        self.assertEqual(coco_rle.counts_to_string([1, 4, 1]), "141")
        # 40 = 0b101000: low group 8 with the continue bit (8+32+48 = 'X'), then 1 -> '1'
        self.assertEqual(coco_rle.counts_to_string([40]), "X1")
        # fourth count 2 is stored as 2 - counts[1] = 2 - 5 = -3: group 29 (0b11101) -> 'M'
        self.assertEqual(coco_rle.counts_to_string([3, 5, 7, 2]), "357M")

    def test_round_trip(self):
        rng = np.random.default_rng(3)
        for shape in [(1, 1), (7, 5), (64, 33)]:
            mask = rng.uniform(size=shape) < 0.3
            mask[:, -1] = rng.uniform(size=shape[0]) < 0.9
            rle = coco_rle.encode(mask)
            self.assertEqual(rle["size"], list(shape))
            np.testing.assert_array_equal(coco_rle.decode(rle), mask)

    def test_bad_counts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "sum to 5"):
            coco_rle.decode({"size": [2, 2], "counts": [1, 4]})
        with self.assertRaisesRegex(ValueError, "truncated"):
            coco_rle.string_to_counts("X")


class Int8Weights(unittest.TestCase):
    def test_rows_are_scaled_by_their_largest_magnitude(self):
        w = np.array([[0.5, -1.0, 0.25], [0.0, 0.0, 0.0], [3.0, 1.5, -0.75]], np.float32)
        q, scales = model_file.quantize_int8(w)
        self.assertEqual(q.dtype, np.int8)
        np.testing.assert_array_equal(scales, np.float32([1.0, 127.0, 3.0]) / np.float32(127))
        np.testing.assert_array_equal(scales[1], np.float32(1))  # a row of zeros
        np.testing.assert_array_equal(q, [[64, -127, 32], [0, 0, 0], [127, 64, -32]])
        back = model_file.dequantize_int8(q, scales)
        self.assertTrue(np.all(np.abs(back - w) <= scales[:, None] / 2))

    def test_unpaired_scales_or_weights_are_refused(self):
        q, scales = model_file.quantize_int8(np.ones((2, 3), np.float32))
        config = {"labels": ["__background__"]}
        for tensors, message in [({"w": q}, "without F32 scales"),
                                 ({"w.int8_scales": scales}, "scales without an I8 tensor"),
                                 ({"w": q, "w.int8_scales": -scales}, "finite and > 0")]:
            data = model_file.encode(tensors, model_file.model_metadata(config))
            with self.assertRaisesRegex(model_file.FormatError, message):
                model_file.decode_model(data)


class Scenes(unittest.TestCase):
    def test_same_seed_same_scene(self):
        a_img, a_inst = scenes.render_scene(scenes.scene_rng(5, 7), 96, 64)
        b_img, b_inst = scenes.render_scene(scenes.scene_rng(5, 7), 96, 64)
        c_img, _ = scenes.render_scene(scenes.scene_rng(5, 8), 96, 64)
        np.testing.assert_array_equal(a_img, b_img)
        self.assertEqual(len(a_inst), len(b_inst))
        self.assertFalse(np.array_equal(a_img, c_img))

    def test_masks_are_disjoint_and_match_annotations(self):
        with tempfile.TemporaryDirectory() as tmp:
            coco = scenes.write_dataset(tmp, 6, seed=11, width=160, height=120)
            with open(os.path.join(tmp, "annotations.json"), encoding="utf-8") as fh:
                self.assertEqual(json.load(fh), coco)
            self.assertEqual(len(coco["images"]), 6)
            self.assertGreater(len(coco["annotations"]), 6)
            self.assertEqual([c["name"] for c in coco["categories"]], scenes.CLASSES)
            for image in coco["images"]:
                self.assertTrue(os.path.exists(os.path.join(tmp, "images", image["file_name"])))
                masks = [coco_rle.decode(a["segmentation"]) for a in coco["annotations"]
                         if a["image_id"] == image["id"]]
                if masks:
                    self.assertLessEqual(int(np.sum(masks, axis=0).max()), 1)
            for ann in coco["annotations"]:
                mask = coco_rle.decode(ann["segmentation"])
                ys, xs = np.nonzero(mask)
                self.assertEqual(ann["area"], xs.size)
                self.assertGreaterEqual(ann["area"], scenes.MIN_VISIBLE_PIXELS)
                self.assertEqual(ann["bbox"], [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                                               ys.max() - ys.min() + 1])

    def test_shape_membership(self):
        u = np.array([0.0, 0.9, 0.0, 0.99])
        v = np.array([0.0, 0.0, 0.9, 0.99])
        np.testing.assert_array_equal(scenes.inside_shape("circle", u, v, 0),
                                      [True, True, True, False])
        # ring with hole radius 0.5: the centre is outside
        np.testing.assert_array_equal(scenes.inside_shape("ring", u, v, 0.5),
                                      [False, True, True, False])
        # cross: the arms, not the corners
        np.testing.assert_array_equal(scenes.inside_shape("cross", u, v, 0),
                                      [True, True, True, False])


class ConvertTestCase(unittest.TestCase):
    """A temporary folder for checkpoints saved by torch, and convert.py run on them."""

    @classmethod
    def setUpClass(cls):
        import torch
        torch.manual_seed(0)
        cls.torch = torch
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def save(self, name, obj):
        path = os.path.join(self.tmp.name, name)
        self.torch.save(obj, path)
        return path

    def convert(self, *args):
        return run_tool(os.path.join(HERE, "convert.py"), *args)


class ConvertCommand(ConvertTestCase):
    """convert.py as a user runs it, on checkpoints saved by torch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import train
        model = train.build_model(4, 18, 32, 64, 32, 96, 128).eval()
        cls.state = model.state_dict()

    def test_checkpoint_dict_with_batchnorm_converts(self):
        ckpt = self.save("ckpt.pth", {"model": self.state, "iteration": 3})
        out = os.path.join(self.tmp.name, "m.safetensors")
        r = self.convert(ckpt, out, "--fp16", "--labels", "a,b,c", "--min-size", "96",
                         "--max-size", "128")
        self.assertEqual(r.returncode, 0, r.stderr)
        config, tensors, _ = model_file.read_model(out)
        arch = config["architecture"]
        self.assertEqual((arch["depth"], arch["fpn_channels"], arch["box_head"],
                          arch["mask_head_channels"], arch["num_classes"]), (18, 32, 64, 32, 4))
        self.assertEqual(arch["bn_eps"], 1e-5)
        self.assertEqual(config["labels"], ["__background__", "a", "b", "c"])
        self.assertEqual((config["preprocess"]["min_size"], config["preprocess"]["max_size"]),
                         (96, 128))
        self.assertEqual({t.dtype.name for t in tensors.values()}, {"float16"})
        self.assertFalse(any(k.endswith("num_batches_tracked") for k in tensors))
        self.assertIn("backbone.body.layer1.0.bn1.running_var", tensors)

    def test_int8_from_a_checkpoint_and_again_from_its_model_file(self):
        f16 = os.path.join(self.tmp.name, "f16.safetensors")
        r = self.convert(self.save("sd.pth", self.state), f16, "--fp16", "--labels", "a,b,c",
                         "--min-size", "96", "--max-size", "128", "--detections-per-img", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.tmp.name, "int8.safetensors")
        r = self.convert(f16, out, "--fp16", "--int8")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\(\d+ weights int8\)")
        raw, _ = model_file.read_file(out)
        name = "backbone.body.layer1.0.conv1.weight"
        self.assertEqual(raw[name].dtype, np.int8)
        self.assertEqual(raw[name + ".int8_scales"].shape, (raw[name].shape[0],))
        # the transposed convolution [in, out, 2, 2]: a scale per input channel (its rows)
        deconv = "roi_heads.mask_predictor.conv5_mask.weight"
        self.assertEqual(raw[deconv].dtype, np.int8)
        self.assertEqual(raw[deconv + ".int8_scales"].shape, (raw[deconv].shape[0],))
        for kept in ["backbone.body.conv1.weight", "roi_heads.box_predictor.cls_score.weight",
                     "roi_heads.mask_predictor.mask_fcn_logits.weight",
                     "rpn.head.cls_logits.weight", "backbone.body.layer1.0.bn1.weight"]:
            self.assertEqual(raw[kept].dtype, np.float16, kept)
        # read back: float32, within half a step of the F16 weights, the settings kept
        config, tensors, _ = model_file.read_model(out)
        self.assertNotIn(name + ".int8_scales", tensors)
        f16_config, f16_tensors, _ = model_file.read_model(f16)
        self.assertEqual(config, f16_config)
        w, ref = tensors[name], f16_tensors[name].astype(np.float32)
        step = np.abs(ref).reshape(ref.shape[0], -1).max(axis=1) / 127
        self.assertTrue(np.all(np.abs(w - ref).reshape(ref.shape[0], -1) <= step[:, None] / 2 + 1e-7))
        self.assertLess(os.path.getsize(out), 0.75 * os.path.getsize(f16))

    def test_unknown_missing_and_misshaped_tensors_are_named(self):
        state = dict(self.state)
        state["roi_heads.extra.weight"] = self.torch.zeros(3)
        del state["rpn.head.cls_logits.bias"]
        state["roi_heads.box_head.fc7.bias"] = self.torch.zeros(7)
        r = self.convert(self.save("bad.pth", state), os.path.join(self.tmp.name, "bad.st"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown tensors (1): roi_heads.extra.weight", r.stderr)
        self.assertIn("missing tensors (1): rpn.head.cls_logits.bias", r.stderr)
        self.assertIn("roi_heads.box_head.fc7.bias has shape [7], expected [64]", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "bad.st")))

    def test_wrong_label_count_is_refused(self):
        r = self.convert(self.save("ok.pth", self.state), os.path.join(self.tmp.name, "l.st"),
                         "--labels", "a,b")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--labels gives 2 names, the model has 4 classes", r.stderr)

    def test_not_a_checkpoint_is_refused(self):
        path = os.path.join(self.tmp.name, "junk.pth")
        with open(path, "wb") as fh:
            fh.write(b"not a checkpoint")
        r = self.convert(path, os.path.join(self.tmp.name, "j.st"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot load checkpoint", r.stderr)


class ConvertV2(unittest.TestCase):
    """convert.py on torchvision's maskrcnn_resnet50_fpn_v2: its parts read from the names and
    shapes and written into the config; a v1 model's config has none of those fields."""

    @classmethod
    def setUpClass(cls):
        import torch
        import torchvision
        torch.manual_seed(0)
        detection = torchvision.models.detection
        cls.v2 = detection.maskrcnn_resnet50_fpn_v2(
            weights=None, weights_backbone=None, num_classes=5).state_dict()
        cls.v1 = detection.maskrcnn_resnet50_fpn(
            weights=None, weights_backbone=None, num_classes=5).state_dict()

    def test_v2_parts_are_in_the_config(self):
        config, tensors = convert.convert_state_dict(self.v2)
        arch = config["architecture"]
        self.assertEqual({k: arch[k] for k in convert.V2_FIELDS}, {
            "fpn_norm": "batch_norm", "rpn_conv_depth": 2, "box_head_conv_layers": 4,
            "box_head_conv_channels": 256, "box_head_norm": "batch_norm",
            "mask_head_norm": "batch_norm"})
        self.assertEqual((arch["depth"], arch["box_head"], arch["mask_head_layers"],
                          arch["bn_eps"]), (50, 1024, 4, 1e-5))
        self.assertEqual(list(tensors), [k for k in self.v2 if not k.endswith("num_batches_tracked")])
        self.assertIn("roi_heads.box_head.5.weight", tensors)

    def test_v1_config_has_no_v2_fields(self):
        config, _ = convert.convert_state_dict(self.v1)
        self.assertFalse(set(convert.V2_FIELDS) & set(config["architecture"]))

    def test_missing_and_misshaped_v2_tensors_are_named(self):
        state = dict(self.v2)
        del state["backbone.fpn.layer_blocks.2.1.running_var"]
        state["roi_heads.box_head.2.0.weight"] = state["roi_heads.box_head.2.0.weight"][:128]
        with self.assertRaises(convert.ConvertError) as e:
            convert.convert_state_dict(state)
        self.assertIn("missing tensors (1): backbone.fpn.layer_blocks.2.1.running_var",
                      str(e.exception))
        self.assertIn("roi_heads.box_head.2.0.weight has shape [128, 256, 3, 3], expected "
                      "[256, 256, 3, 3]", str(e.exception))


class ConvertMobileNetCommand(ConvertTestCase):
    """convert.py on MobileNetV3-Large FPN Mask R-CNNs: backbone, FPN and head sizes from the
    tensor shapes, the mobile detector's defaults."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from torchvision.models import mobilenetv3
        from torchvision.models.detection.anchor_utils import AnchorGenerator
        from torchvision.models.detection.backbone_utils import BackboneWithFPN
        from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
        from torchvision.models.detection.mask_rcnn import (MaskRCNN, MaskRCNNHeads,
                                                            MaskRCNNPredictor)
        from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

        def build(sizes_per_level, returned=None):
            # MobileNetV3's own BatchNorm (eps 0.001), an FPN of 64 channels, light heads;
            # returned: {features index: FPN input channels} (default features 13 and 16)
            returned = returned or {13: 160, 16: 960}
            features = mobilenetv3.mobilenet_v3_large(weights=None).features
            backbone = BackboneWithFPN(features, {str(i): str(k) for k, i in enumerate(returned)},
                                       list(returned.values()), 64,
                                       extra_blocks=LastLevelMaxPool())
            sizes = (32, 64, 128, 256, 512)[:sizes_per_level]
            levels = len(returned) + 1
            anchors = AnchorGenerator((sizes,) * levels, ((0.5, 1.0, 2.0),) * levels)
            return MaskRCNN(backbone, None, rpn_anchor_generator=anchors,
                            box_head=TwoMLPHead(64 * 7 * 7, 96),
                            box_predictor=FastRCNNPredictor(96, 3),
                            mask_head=MaskRCNNHeads(64, [48, 48, 48], 1),
                            mask_predictor=MaskRCNNPredictor(48, 24, 3)).eval()

        cls.state = build(5).state_dict()
        cls.one_size_state = build(1).state_dict()
        cls.stride16_state = build(5, {7: 80, 13: 160, 16: 960}).state_dict()
        cls.early_state = build(5, {2: 24, 4: 40}).state_dict()  # the body ends at features[4]

    def test_training_checkpoint_converts_with_mobile_defaults(self):
        ckpt = self.save("mnv3.pth", {"model": self.state, "epoch": 2})
        out = os.path.join(self.tmp.name, "mnv3.safetensors")
        r = self.convert(ckpt, out, "--bn-eps", "0.001")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mobilenet_v3_large FPN 64", r.stdout)
        config, tensors, _ = model_file.read_model(out)
        arch = config["architecture"]
        self.assertEqual(arch["backbone"], "mobilenet_v3_large")
        self.assertNotIn("depth", arch)
        self.assertEqual((arch["fpn_channels"], arch["box_head"], arch["mask_head_layers"],
                          arch["mask_head_channels"], arch["mask_predictor_channels"],
                          arch["num_classes"]), (64, 96, 3, 48, 24, 3))
        self.assertEqual(arch["anchor_sizes"], [32, 64, 128, 256, 512])
        self.assertEqual(arch["bn_eps"], 0.001)
        pre, post = config["preprocess"], config["postprocess"]
        self.assertEqual((pre["min_size"], pre["max_size"]), (320, 640))
        self.assertEqual((post["rpn_pre_nms_top_n"], post["rpn_post_nms_top_n"],
                          post["rpn_score_thresh"]), (150, 150, 0.05))
        self.assertIn("backbone.body.13.block.2.fc1.weight", tensors)
        self.assertIn("backbone.body.16.1.running_var", tensors)

    def test_returned_stages_come_from_the_fpn_inputs(self):
        for state, stages, last in [(self.stride16_state, [3, 4, 5], 16),
                                    (self.early_state, [1, 2], 4)]:
            out = os.path.join(self.tmp.name, "stages.safetensors")
            r = self.convert(self.save("stages.pth", state), out)
            self.assertEqual(r.returncode, 0, r.stderr)
            config, tensors, _ = model_file.read_model(out)
            self.assertEqual(config["architecture"]["returned_stages"], stages)
            self.assertIn(f"backbone.body.{last}.0.weight" if last == 16
                          else f"backbone.body.{last}.block.0.0.weight", tensors)
            self.assertNotIn(f"backbone.body.{last + 1}.0.weight", tensors)
        out = os.path.join(self.tmp.name, "default.safetensors")
        self.assertEqual(self.convert(self.save("sd.pth", self.state), out).returncode, 0)
        self.assertNotIn("returned_stages", model_file.read_model(out)[0]["architecture"])

    def test_fpn_input_of_no_stage_is_refused(self):
        import torch
        state = dict(self.stride16_state)
        state["backbone.fpn.inner_blocks.0.0.weight"] = torch.zeros(64, 81, 1, 1)
        r = self.convert(self.save("odd.pth", state), os.path.join(self.tmp.name, "odd.st"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("backbone.fpn.inner_blocks.0.0.weight takes 81 channels, which no stage "
                      "of mobilenet_v3_large gives (16, 24, 40, 80, 160, 960)", r.stderr)

    def test_sizes_override_the_mobile_defaults(self):
        out = os.path.join(self.tmp.name, "mnv3_800.safetensors")
        r = self.convert(self.save("sd.pth", self.state), out, "--min-size", "800",
                         "--max-size", "1333")
        self.assertEqual(r.returncode, 0, r.stderr)
        config, _, _ = model_file.read_model(out)
        self.assertEqual((config["preprocess"]["min_size"], config["preprocess"]["max_size"]),
                         (800, 1333))
        self.assertEqual(config["architecture"]["bn_eps"], 1e-5)  # the detection builder's

    def test_postprocess_flags_override_the_mobile_defaults(self):
        out = os.path.join(self.tmp.name, "mnv3_post.safetensors")
        r = self.convert(self.save("sd.pth", self.state), out, "--rpn-pre-nms-top-n", "120",
                         "--rpn-post-nms-top-n", "80", "--rpn-score-thresh", "0.1",
                         "--box-score-thresh", "0.2", "--detections-per-img", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        post = model_file.read_model(out)[0]["postprocess"]
        self.assertEqual((post["rpn_pre_nms_top_n"], post["rpn_post_nms_top_n"],
                          post["rpn_score_thresh"], post["box_score_thresh"],
                          post["box_detections_per_img"]), (120, 80, 0.1, 0.2, 10))
        self.assertEqual(post["rpn_nms_thresh"], 0.7)  # untouched

    def test_bad_postprocess_flags_are_refused(self):
        ckpt = self.save("sd.pth", self.state)
        for flag, value, message in [("--rpn-post-nms-top-n", "0", "whole number >= 1"),
                                     ("--rpn-score-thresh", "1.5", "between 0.0 and 1"),
                                     ("--detections-per-img", "-3", "whole number >= 1")]:
            r = self.convert(ckpt, os.path.join(self.tmp.name, "bad.st"), flag, value)
            self.assertEqual(r.returncode, 2, flag)
            self.assertIn(f"{flag} must be", r.stderr)
            self.assertIn(message, r.stderr)

    def test_one_anchor_size_per_level_is_refused(self):
        r = self.convert(self.save("one.pth", self.one_size_state),
                         os.path.join(self.tmp.name, "one.st"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("has 3 anchors per location, expected 15", r.stderr)

    def test_missing_block_tensor_is_named(self):
        state = dict(self.state)
        del state["backbone.body.4.block.2.fc2.bias"]
        r = self.convert(self.save("gap.pth", state), os.path.join(self.tmp.name, "gap.st"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing tensors (1): backbone.body.4.block.2.fc2.bias", r.stderr)


class TrainCommand(unittest.TestCase):
    def test_two_iterations_resume_convert_and_init(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            scenes.write_dataset(data, 3, seed=4, width=128, height=96)
            run = os.path.join(tmp, "run")
            common = [os.path.join(HERE, "train.py"), "--data", data, "--out", run,
                      "--batch", "1", "--fpn", "16", "--box-head", "32", "--mask-head", "16",
                      "--min-size", "96", "--max-size", "128", "--log-every", "1"]
            r = run_tool(*common, "--iterations", "1")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"iter 1/1  loss \d+\.\d+ .* s/it  left 0:00:00")
            out = os.path.join(tmp, "m.safetensors")
            r = run_tool(*common, "--iterations", "2", "--convert", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("resuming from iteration 1", r.stdout)
            self.assertIn("iter 2/2", r.stdout)
            config, tensors, _ = model_file.read_model(out)
            self.assertEqual(config["labels"][1:], scenes.CLASSES)
            # a new run starting from the model file takes all of its tensors; trained at
            # several sizes, its model file keeps --min-size for inference
            common[common.index(run)] = os.path.join(tmp, "run2")
            out2 = os.path.join(tmp, "m2.safetensors")
            r = run_tool(*common, "--iterations", "1", "--init", out,
                         "--train-sizes", "64,80", "--convert", out2)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"train: {len(tensors)} of ", r.stdout)
            config2, _, _ = model_file.read_model(out2)
            pre = config2["preprocess"]
            self.assertEqual((pre["min_size"], pre["max_size"]), (96, 128))

    def test_bf16_run_trains_and_keeps_float32_weights(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            scenes.write_dataset(data, 2, seed=5, width=128, height=96)
            run = os.path.join(tmp, "run")
            r = run_tool(os.path.join(HERE, "train.py"), "--data", data, "--out", run,
                         "--batch", "1", "--fpn", "16", "--box-head", "32", "--mask-head", "16",
                         "--min-size", "96", "--max-size", "128", "--log-every", "1",
                         "--iterations", "1", "--bf16")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"iter 1/1  loss \d+\.\d+ ")
            import torch
            state = torch.load(os.path.join(run, "checkpoint.pth"), map_location="cpu")
            dtypes = {v.dtype for v in state["model"].values() if v.is_floating_point()}
            self.assertEqual(dtypes, {torch.float32})

    def test_bf16_features_are_float32_and_near_the_float32_ones(self):
        import torch
        import train
        torch.manual_seed(0)
        model = train.build_model(4, 18, 32, 64, 32, 96, 128).eval()
        x = torch.rand(1, 3, 96, 128)
        with torch.no_grad():
            want = model.backbone(x)
            train.run_in_bfloat16(model)
            got = model.backbone(x)
        self.assertEqual(list(got), list(want))
        for name in want:
            self.assertEqual(got[name].dtype, torch.float32)
            err = (got[name] - want[name]).abs().max() / want[name].abs().max()
            # bfloat16 keeps 8 significant bits: a few units of 2^-8 after a dozen layers
            self.assertLess(float(err), 0.05, name)
            self.assertGreater(float(err), 0.0, name)  # it did run in bfloat16

    def test_mobilenet_trains_and_converts(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            scenes.write_dataset(data, 2, seed=5, width=128, height=96)
            out = os.path.join(tmp, "mnv3.safetensors")
            r = run_tool(os.path.join(HERE, "train.py"), "--data", data, "--out",
                         os.path.join(tmp, "run"), "--backbone", "mobilenet_v3_large",
                         "--batch", "1", "--box-head", "32", "--mask-head", "16",
                         "--mask-layers", "2", "--min-size", "96", "--max-size", "128",
                         "--iterations", "1", "--convert", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            config, _, _ = model_file.read_model(out)
            arch, post = config["architecture"], config["postprocess"]
            self.assertEqual((arch["backbone"], arch["fpn_channels"], arch["box_head"],
                              arch["mask_head_layers"], arch["mask_head_channels"]),
                             ("mobilenet_v3_large", 256, 32, 2, 16))
            self.assertEqual((config["preprocess"]["min_size"], post["rpn_score_thresh"]),
                             (96, 0.05))
            self.assertNotIn("returned_stages", arch)
            # the stride-16 stage added, from the first run's weights: its FPN blocks go to
            # the new run's last two, and only the new lateral convolution starts untrained
            out2 = os.path.join(tmp, "mnv3_s16.safetensors")
            r = run_tool(os.path.join(HERE, "train.py"), "--data", data, "--out",
                         os.path.join(tmp, "run2"), "--backbone", "mobilenet_v3_large",
                         "--batch", "1", "--box-head", "32", "--mask-head", "16",
                         "--mask-layers", "2", "--min-size", "96", "--max-size", "128",
                         "--iterations", "1", "--returned-layers", "3,4,5",
                         "--init", os.path.join(tmp, "run", "checkpoint.pth"),
                         "--convert", out2)
            self.assertEqual(r.returncode, 0, r.stderr)
            taken = re.search(r"train: (\d+) of (\d+) tensors", r.stdout)
            self.assertIsNotNone(taken, r.stdout)
            self.assertEqual(int(taken.group(2)) - int(taken.group(1)), 2)  # inner_blocks.0.0.*
            self.assertEqual(model_file.read_model(out2)[0]["architecture"]["returned_stages"],
                             [3, 4, 5])

    def test_bad_returned_layers_are_refused(self):
        for stages, backbone, message in [
                ("4,3", "mobilenet_v3_large", "not an increasing list of MobileNetV3 stages"),
                ("3,6", "mobilenet_v3_large", "not an increasing list of MobileNetV3 stages"),
                ("3,4,5", "resnet", "--returned-layers is for --backbone mobilenet_v3_large")]:
            r = run_tool(os.path.join(HERE, "train.py"), "--data", HERE, "--out", HERE,
                         "--backbone", backbone, "--returned-layers", stages)
            self.assertEqual(r.returncode, 2, stages)
            self.assertIn(message, r.stderr)

    def test_bad_train_sizes_are_refused(self):
        for sizes, message in [("64,x", "not a list of positive sizes"),
                               ("0", "not a list of positive sizes"),
                               ("64,200", "--train-sizes must not exceed --max-size")]:
            r = run_tool(os.path.join(HERE, "train.py"), "--data", HERE, "--out", HERE,
                         "--max-size", "128", "--min-size", "96", "--train-sizes", sizes)
            self.assertEqual(r.returncode, 2, sizes)
            self.assertIn(message, r.stderr)


class GrowInit(unittest.TestCase):
    """--init with --grow 0: a deeper, wider network computes the smaller one's function (its
    features in the leading channels, zeros after them) before any training."""

    def test_a_grown_network_starts_as_the_smaller_one(self):
        import torch
        import train
        torch.manual_seed(0)
        small = train.build_model(4, 18, 16, 32, 16, 96, 128)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "small.pth")
            torch.save({"model": small.state_dict()}, path)
            big = train.build_model(4, 34, 32, 48, 24, 96, 128)
            train.initialize_from(big, path, 0.0)
        small.eval()
        big.eval()

        def close(a, b):
            self.assertEqual(a.shape, b.shape)
            self.assertLess(float((a - b).abs().max()), 1e-4 * (1 + float(b.abs().max())))

        def heads(model, features):
            boxes = [torch.tensor([[4.0, 8.0, 60.0, 70.0], [30.0, 20.0, 120.0, 90.0]])]
            roi = model.roi_heads
            scores, deltas = roi.box_predictor(roi.box_head(
                roi.box_roi_pool(features, boxes, [(96, 128)])))
            masks = roi.mask_predictor(roi.mask_head(
                roi.mask_roi_pool(features, boxes, [(96, 128)])))
            return scores, deltas, masks

        with torch.no_grad():
            x = torch.rand(1, 3, 96, 128)
            fs, fb = small.backbone(x), big.backbone(x)
            self.assertEqual(list(fs), list(fb))
            for level in fs:
                close(fb[level][:, :16], fs[level])
                self.assertEqual(float(fb[level][:, 16:].abs().max()), 0.0)
            for a, b in zip(small.rpn.head(list(fs.values())), big.rpn.head(list(fb.values()))):
                for sa, sb in zip(a, b):
                    close(sb, sa)
            for a, b in zip(heads(small, fs), heads(big, fb)):
                close(b, a)
            self.assertGreater(float(fs["0"].abs().max()), 0.0)

    def test_grow_needs_init_and_a_scale_in_range(self):
        for extra in (["--grow", "0.01"], ["--init", HERE, "--grow", "2"]):
            r = run_tool(os.path.join(HERE, "train.py"), "--data", HERE, "--out", HERE, *extra)
            self.assertEqual(r.returncode, 2, extra)
            self.assertIn("--grow needs --init and a SCALE from 0 to 1", r.stderr)


if __name__ == "__main__":
    unittest.main()
