"""Face detection with MediaPipe FaceLandmarker (IMAGE mode).

Each face comes with a box, 478 landmarks (pixels), the 52 ARKit-style
blendshapes and a detection confidence (the score of MediaPipe's BlazeFace
detector, which FaceLandmarker runs internally; it is taken from the same
``.task`` bundle). Large photos with small faces are also searched tile by
tile, because BlazeFace (short range) sees the image at 128x128.
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import io
import logging
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ganimation.errors import FaceNotFoundError, ImageError
from ganimation.faces import models

log = logging.getLogger(__name__)

NUM_LANDMARKS = 478
#: A face whose box side is below this share of the photo's shorter side is landmarked again in a crop
#: around it (:meth:`FaceDetector._refit`).
REFIT_BELOW = 0.5
#: With ``detect(..., largest=True)``, a face (or a BlazeFace proposal) whose box side is below this share
#: of the largest face found so far is not refitted (not landmarked): it cannot be the largest. On
#: wild_dev a proposal's box side is 0.79-1.06 of its face's landmark box side (5th-95th percentile).
LARGEST_MARGIN = 0.6
#: BlazeFace score from which a small-face proposal counts as sure (wild_dev: the weakest true face 0.76,
#: a hand 0.40); a largest-face search landmarks the sure proposals, largest first, before the others
SURE_PROPOSAL = 0.75
#: A proposal's crop is landmarked only where BlazeFace (the landmarker's own detector model) finds a face
#: there whose centre lies within the proposal's box grown by this share of its side on every side: on
#: wild_dev, every crop whose landmarks held the proposal's face had such a detection inside the box
#: itself, and 23 of 180 crops without one held only faces already found (wasted passes of 20-45 ms)
PROPOSAL_REACH = 0.25
#: Search modes of :class:`FaceDetector` (see its docstring).
SEARCH_MODES = ("whole", "proposals", "thorough")
BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft",
    "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight",
    "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight",
    "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
)
BS = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}

# Landmark indices of the MediaPipe face mesh used for alignment. "Right"/"left"
# are the subject's (image left = subject's right for a frontal face).
RIGHT_EYE = (33, 133, 159, 145, 160, 161, 158, 157, 153, 154, 144, 163)   # image left
LEFT_EYE = (263, 362, 386, 374, 387, 388, 385, 384, 380, 381, 373, 390)   # image right
NOSE_TIP = 1
MOUTH_RIGHT = 61   # image left corner
MOUTH_LEFT = 291   # image right corner
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
             152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)


@dataclass
class Face:
    """One detected face, in the coordinates of the image it was found in.

    - ``box``: ``(4,)`` float32 ``x0, y0, x1, y1`` pixels (landmark extent).
    - ``landmarks``: ``(478, 3)`` float32; x, y in pixels, z in pixels
      (relative depth, MediaPipe's z times the image width).
    - ``blendshapes``: ``(52,)`` float32 in [0, 1], order :data:`BLENDSHAPE_NAMES`.
    - ``confidence``: detector score in [0, 1].
    """

    box: np.ndarray
    landmarks: np.ndarray
    blendshapes: np.ndarray
    confidence: float = 1.0
    extra: dict = field(default_factory=dict)

    @property
    def area(self) -> float:
        return float(max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1]))

    def points5(self) -> np.ndarray:
        """``(5, 2)``: eye centres (image left, right), nose tip, mouth corners (left, right)."""
        lm = self.landmarks[:, :2]
        return np.stack([lm[list(RIGHT_EYE)].mean(0), lm[list(LEFT_EYE)].mean(0), lm[NOSE_TIP],
                         lm[MOUTH_RIGHT], lm[MOUTH_LEFT]]).astype(np.float32)

    def shift(self, dx: float, dy: float) -> Face:
        """Move the face by ``(dx, dy)`` pixels (landmarks x, y and the box; new arrays) and return it:
        a face found in a window cut at ``(x0, y0)`` of a photo is in the photo's pixels after
        ``shift(x0, y0)``."""
        self.landmarks = self.landmarks + np.array([dx, dy, 0], self.landmarks.dtype)
        self.box = self.box + np.array([dx, dy, dx, dy], self.box.dtype)
        return self

    def blendshape_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(BLENDSHAPE_NAMES, self.blendshapes)}

    def to_json(self) -> dict:
        return {"box": [round(float(v), 2) for v in self.box], "confidence": round(float(self.confidence), 4),
                "landmarks": np.round(self.landmarks[:, :2], 2).tolist()}


def _quiet_mediapipe() -> bool:
    """Prepare MediaPipe's native logging before it is imported; return whether to silence it.

    Sets ``GLOG_minloglevel`` / ``TF_CPP_MIN_LOG_LEVEL`` (honoured by older
    wheels) unless the user set them, and returns False under ``ganimation -v``
    (debug logging), where the native lines stay visible. Current wheels ignore
    the variables, so the caller also wraps the native objects in
    :class:`ganimation.quiet.QuietCalls`.
    """
    from ganimation.quiet import native_logs_wanted

    if native_logs_wanted():
        return False
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return True


class FaceDetector:
    """MediaPipe FaceLandmarker in IMAGE mode, plus BlazeFace for scores.

    ``FaceDetector(model_path=None, max_faces=20, min_confidence=0.5, search="proposals", workers=None)``;
    call :meth:`detect` with an ``(H, W, 3)`` uint8 RGB array. Not thread-safe:
    use one per thread/process (:func:`get_detector` caches one per thread). ``workers``: landmarker
    passes a search runs side by side (:mod:`ganimation.faces.parallel`; None:
    :func:`~ganimation.faces.parallel.default_workers`, 2 on two cores or more); the faces found are the
    same for any number.

    ``search`` (photos of 256 px and more; smaller ones get one pass):

    - ``"whole"``: one landmarker pass over the photo (aligned crops, portraits);
    - ``"proposals"`` (default): that pass, then BlazeFace on the photo and on
      its 3x3 and 4x4 tiles proposes small faces, each landmarked in a crop
      around it (on wild_dev: all 50 faces, at about half the CPU time of
      ``"thorough"``);
    - ``"thorough"``: also runs the landmarker on 2x2, 3x3 and 4x4 tiles first.
    """

    def __init__(self, model_path: str | os.PathLike | None = None, *, max_faces: int = 20,
                 min_confidence: float = 0.5, search: str = "proposals", workers: int | None = None):
        from ganimation.faces.parallel import PassPool, default_workers

        _quiet_mediapipe()   # before MediaPipe is first imported
        models.require("mediapipe")
        self.model_path = models.face_landmarker_path(model_path)
        self.max_faces = int(max_faces)
        self.min_confidence = float(min_confidence)
        if search not in SEARCH_MODES:
            raise ValueError(f"search={search!r}; choose one of {', '.join(SEARCH_MODES)}")
        self.search = search
        self._model = self.model_path.read_bytes()
        try:
            with zipfile.ZipFile(io.BytesIO(self._model)) as z:
                self._detector_model = z.read("face_detector.tflite")
        except (zipfile.BadZipFile, KeyError) as exc:
            raise models.MissingDependencyError(
                f"{self.model_path} is not a MediaPipe face_landmarker.task bundle ({exc})") from None
        self._landmarker, self._detector = self._make_pair()
        # the searches' landmarker passes, side by side on more than one core (ganimation.faces.parallel)
        self._pool = PassPool((self._landmarker, self._detector), self._make_pair, _close_pair,
                              default_workers() if workers is None else workers)
        # close before concurrent.futures shuts its executors down at exit (MediaPipe's
        # own __del__ needs them); fall back to atexit.
        try:
            threading._register_atexit(self.close)  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):
            atexit.register(self.close)

    def _make_pair(self) -> tuple:
        """A new MediaPipe FaceLandmarker (IMAGE mode, with blendshapes) and BlazeFace detector, wrapped
        so that their native log lines stay off the terminal (:class:`ganimation.quiet.QuietCalls`)."""
        from ganimation.quiet import QuietCalls, silenced_stderr

        quiet = _quiet_mediapipe()
        with silenced_stderr(quiet):
            from mediapipe.tasks.python import BaseOptions, vision
        try:
            with silenced_stderr(quiet):  # the graph logs while it starts; its calls later too (QuietCalls)
                landmarker = QuietCalls(vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                    base_options=BaseOptions(model_asset_buffer=self._model),
                    running_mode=vision.RunningMode.IMAGE, num_faces=self.max_faces,
                    min_face_detection_confidence=self.min_confidence,
                    min_face_presence_confidence=self.min_confidence,
                    output_face_blendshapes=True)), enabled=quiet)
                detector = QuietCalls(vision.FaceDetector.create_from_options(vision.FaceDetectorOptions(
                    base_options=BaseOptions(model_asset_buffer=self._detector_model),
                    running_mode=vision.RunningMode.IMAGE, min_detection_confidence=0.2)), enabled=quiet)
        except (RuntimeError, ValueError) as exc:
            raise models.MissingDependencyError(f"cannot load face model {self.model_path}: {exc}") from None
        return landmarker, detector

    def close(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()
            self._pool = None
        _close_pair((getattr(self, "_landmarker", None), getattr(self, "_detector", None)))
        self._landmarker = self._detector = None

    # -- one pass ---------------------------------------------------------
    def _run(self, image: np.ndarray, pair: tuple | None = None,
             detections: tuple[np.ndarray, np.ndarray] | None = None) -> list[Face]:
        """The faces one landmarker pass finds in ``image``, with ``pair`` (a landmarker and a detector
        of :meth:`_make_pair`; None: the detector's own); ``detections``: those of :meth:`_detections`
        on ``image``, when found already."""
        import mediapipe as mp

        landmarker = (pair or (self._landmarker, self._detector))[0]
        h, w = image.shape[:2]
        mp_img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))
        res = landmarker.detect(mp_img)
        if not res.face_landmarks:
            return []
        det_boxes, det_scores = detections if detections is not None else self._detections(image, pair)
        faces = []
        for i, lms in enumerate(res.face_landmarks):
            lm = np.array([[p.x * w, p.y * h, p.z * w] for p in lms], np.float32)
            bs = np.zeros(len(BLENDSHAPE_NAMES), np.float32)
            if res.face_blendshapes and i < len(res.face_blendshapes):
                for c in res.face_blendshapes[i]:
                    if c.category_name in BS:
                        bs[BS[c.category_name]] = c.score
            box = np.array([lm[:, 0].min(), lm[:, 1].min(), lm[:, 0].max(), lm[:, 1].max()], np.float32)
            conf = 0.5
            if len(det_boxes):
                ious = _iou(box, det_boxes)
                j = int(np.argmax(ious))
                if ious[j] > 0.2:
                    conf = float(det_scores[j])
            faces.append(Face(box=box, landmarks=lm, blendshapes=bs, confidence=conf))
        return faces

    def _detections(self, image: np.ndarray, pair: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BlazeFace on ``image`` (with ``pair``'s detector, as :meth:`_run`): ``(N, 4)`` float32 boxes
        ``x0, y0, x1, y1`` (pixels) and their ``(N,)`` scores."""
        import mediapipe as mp

        detector = (pair or (self._landmarker, self._detector))[1]
        dets = detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image))).detections
        boxes = np.array([[d.bounding_box.origin_x, d.bounding_box.origin_y,
                           d.bounding_box.origin_x + d.bounding_box.width,
                           d.bounding_box.origin_y + d.bounding_box.height] for d in dets], np.float32).reshape(-1, 4)
        return boxes, np.array([d.categories[0].score if d.categories else 0.0 for d in dets], np.float32)

    def detect(self, image: np.ndarray, *, refit: bool = True, largest: bool = False) -> list[Face]:
        """All faces in ``image`` (``(H, W, 3)`` uint8 RGB), largest first.

        ``refit=False`` skips :meth:`_refit`: for callers whose image already is a window
        around a face they know (a tracker's next frame), where a refit would repeat the pass.
        ``largest=True``: only the first face matters (``face="largest"`` edits). Faces and
        proposals that cannot be the largest (:data:`LARGEST_MARGIN`) are not landmarked again,
        and the small-face search runs only when the whole-photo pass keeps no face; the list
        may then miss small faces.
        """
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ImageError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
        h, w = image.shape[:2]
        if min(h, w) < 8:
            raise ImageError(f"image is {w}x{h}; too small to hold a face")
        searched = self.search != "whole" and max(h, w) >= 256
        # every face wanted: BlazeFace's proposals are needed whatever the whole-photo pass finds, so
        # they are looked for beside it (ganimation.faces.parallel)
        early = (self._pool.submit(lambda pair: self._proposals(image, pair=pair))
                 if searched and not largest and self._pool.workers > 1 else None)
        faces = self._pool.submit(lambda pair: self._run(image, pair)).result() if early else self._run(image)
        if refit:
            faces = self._refit(image, faces, largest=largest)
        if searched and largest:
            kept = self._kept(image, faces)
            if kept:
                return kept
        if searched:
            if self.search == "thorough":
                faces = _merge(faces, self._tiled(image))
            faces = _merge(faces, self._from_proposals(image, faces, largest=largest,
                                                       proposals=early.result() if early else None))
        return self._kept(image, faces)

    def _kept(self, image: np.ndarray, faces: list[Face]) -> list[Face]:
        """The plausible, confident (or verified) ``faces``, largest first, at most ``max_faces``."""
        faces = [f for f in faces if _plausible(f) and (f.confidence >= 0.8 or self._verify(image, f) >= 0.5)]
        faces.sort(key=lambda f: -f.area)
        return faces[: self.max_faces]

    def _refit(self, image: np.ndarray, faces: list[Face], *, largest: bool = False) -> list[Face]:
        """``faces`` of one whole-photo pass, each small face landmarked again in a crop around it.

        In a whole-photo pass the landmarker places each face's mesh from its own
        detection on the photo scaled to 128 px; for faces that are small in the
        photo that placement can be far off (on wild_dev: a smiling face in a
        group photo whose mesh sat 0.95 inter-ocular distances too low, its mouth
        on the chin; a man's mesh half on the face beside his). A crop of twice the
        face's box, centred on it, gives the landmarker the face at a proper scale;
        its face whose centre lies in the first box replaces the first fit (faces
        without one keep theirs). Faces whose box side is at least
        :data:`REFIT_BELOW` of the photo's shorter side (portraits, aligned crops)
        are kept as they are. Two fits that end on one face keep the first. ``largest=True``:
        faces smaller than :data:`LARGEST_MARGIN` of the largest fit so far are kept as found.
        """
        from ganimation.faces.parallel import in_order

        h, w = image.shape[:2]
        out: list[Face] = []
        best = [0.0]

        def filling(f: Face) -> bool:   # a face this large in the photo is fitted well by the whole-photo pass
            return _side(f.box) >= REFIT_BELOW * min(h, w)

        def kept_as_found(f: Face) -> bool:
            return filling(f) or (largest and _side(f.box) < LARGEST_MARGIN * best[0])

        def refit(pair, f: Face) -> list[Face]:   # the faces of the crop around f whose centre lies in f's box
            if kept_as_found(f):
                return [f]
            centre = (f.box[:2] + f.box[2:]) / 2
            return [g for g in self._run_around(image, centre, _side(f.box), pair)[0]
                    if _centre_inside(g.box, f.box[None])]

        def commit(f: Face, inside: list[Face]) -> None:
            if kept_as_found(f):
                g = f
            else:
                centre = (f.box[:2] + f.box[2:]) / 2
                g = min(inside, key=lambda g: float(np.hypot(*((g.box[:2] + g.box[2:]) / 2 - centre)))) if inside else f
                if out and _iou(g.box, np.stack([o.box for o in out])).max() > 0.5:
                    return
            out.append(g)
            best[0] = max(best[0], _side(g.box))

        if all(filling(f) for f in faces):   # portraits, aligned crops: no pass
            return sorted(faces, key=lambda f: -f.area) if largest else list(faces)
        # a face kept as found needs no pass; whether it is depends on the faces before it (largest=True),
        # so the decision is the commit's, and a refit run early for it is thrown away
        in_order(sorted(faces, key=lambda f: -f.area) if largest else faces, skip=lambda f: False, run=refit,
                 commit=commit, pool=self._pool, apart=lambda a, b: not _overlap(_square(a.box, _side(a.box)), b.box))
        return out

    def _verify(self, image: np.ndarray, face: Face) -> float:
        """Mean BlazeFace score on 2x and 3x context crops around a doubtful face.

        Drops hands and patterns that a tile saw as a face (measured on wild_dev:
        a hand scored 0.40, the weakest true face 0.76).
        """
        import mediapipe as mp

        if "verify" in face.extra:  # measured already (a face kept twice: largest=True's search)
            return face.extra["verify"]
        cx, cy = (face.box[:2] + face.box[2:]) / 2
        s = _side(face.box)
        scores = []
        for k in (2.0, 3.0):
            x0, y0 = int(max(0, cx - k * s / 2)), int(max(0, cy - k * s / 2))
            x1, y1 = int(min(image.shape[1], cx + k * s / 2)), int(min(image.shape[0], cy + k * s / 2))
            crop = np.ascontiguousarray(image[y0:y1, x0:x1])
            dets = self._detector.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop)).detections
            scores.append(max((d.categories[0].score for d in dets if d.categories), default=0.0))
        face.extra["verify"] = float(np.mean(scores))
        return face.extra["verify"]

    def _proposals(self, image: np.ndarray, min_score: float = 0.45, *, pair: tuple | None = None
                   ) -> list[tuple[np.ndarray, float]]:
        """BlazeFace boxes ``[x0, y0, x1, y1]`` with scores, on the photo and on 3x3 and 4x4 tiles: with
        ``pair``'s detector (:meth:`_run`), or None: spread over the search's workers."""
        h, w = image.shape[:2]
        tiles = []
        for n in (1, 3, 4):
            th, tw = (h, w) if n == 1 else (int(np.ceil(h / n * 1.3)), int(np.ceil(w / n * 1.3)))
            if min(th, tw) < 96:
                break
            for y0 in (np.linspace(0, h - th, n).astype(int) if h > th else [0]):
                for x0 in (np.linspace(0, w - tw, n).astype(int) if w > tw else [0]):
                    tiles.append((int(x0), int(y0), int(tw), int(th)))

        def propose(pair, tile) -> list[tuple[np.ndarray, float]]:
            import mediapipe as mp

            x0, y0, tw, th = tile
            crop = np.ascontiguousarray(image[y0:y0 + th, x0:x0 + tw])
            found = []
            for d in pair[1].detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop)).detections:
                score = d.categories[0].score if d.categories else 0.0
                b = d.bounding_box
                if score >= min_score and b.width >= 16:
                    found.append((np.array([x0 + b.origin_x, y0 + b.origin_y, x0 + b.origin_x + b.width,
                                            y0 + b.origin_y + b.height], np.float32), float(score)))
            return found

        found = [propose(pair, t) for t in tiles] if pair is not None else self._pool.map(propose, tiles)
        return [p for one in found for p in one]

    def _from_proposals(self, image: np.ndarray, known: list[Face], max_crops: int = 16, *,
                        largest: bool = False, proposals: list | None = None) -> list[Face]:
        """Landmarks for BlazeFace boxes no landmarked face covers, from a context crop around each.

        The landmarker misses some small faces at odd angles in a large photo
        (on wild_dev: an upturned face of 80 px in a 817x1024 photo) that it finds
        in a crop centred on them; BlazeFace proposes where to look. A crop often
        holds the neighbours of its face too (group photos): those it shows whole
        are kept, and the proposals they cover need no crop of their own (on
        wild_dev's group photos this halves the search's landmarker passes).
        At most ``max_crops`` crops are landmarked, the proposals with the highest scores first.
        ``largest=True``: the largest proposals first (those scoring at least :data:`SURE_PROPOSAL`
        before the others), and none below :data:`LARGEST_MARGIN` of the largest face kept so far.
        ``proposals``: those of :meth:`_proposals`, when found already.
        """
        from ganimation.faces.parallel import in_order

        boxes = [f.box for f in known]
        out: list[Face] = []
        state = {"crops": 0, "best": 0.0}

        def skip(proposal) -> bool:
            box = proposal[0]
            return (state["crops"] >= max_crops or _covered(box, boxes)
                    or (largest and _side(box) < LARGEST_MARGIN * state["best"]))

        def commit(proposal, result) -> None:
            boxes.append(proposal[0])
            state["crops"] += 1
            face, others = result
            found = len(out)
            for f in ([face] if face is not None else []) + others:
                if f is face or not _covered(f.box, boxes):
                    out.append(f)
                    boxes.append(f.box)
            if largest:   # the faces this crop added that will be kept
                state["best"] = max([state["best"]] + [_side(f.box) for f in self._kept(image, out[found:])])

        # largest first when only the largest face matters (the sure proposals before the doubtful
        # ones, so that large false boxes cannot use up the crops): the faces it keeps early let the
        # smaller proposals be skipped (LARGEST_MARGIN); otherwise the surest first. A proposal is
        # landmarked early beside the one before it only where that one's crop cannot show its face.
        order = (lambda p: (p[1] < SURE_PROPOSAL, -_side(p[0]))) if largest else (lambda p: -p[1])
        proposals = self._proposals(image) if proposals is None else proposals
        in_order(sorted(proposals, key=order), skip=skip,
                 run=lambda pair, p: self._landmark_proposal(image, p[0], pair), commit=commit, pool=self._pool,
                 apart=lambda a, b: not _overlap(_square(a[0], _proposal_halves(a[0])[0]), b[0]))
        return out

    def _landmark_proposal(self, image: np.ndarray, box: np.ndarray, pair: tuple | None = None
                           ) -> tuple[Face | None, list[Face]]:
        """The landmarked face centred in BlazeFace box ``box``, from a context crop around it, and the
        other faces that crop shows whole (none touches the crop's border).

        A wide crop (4x the box, at least 192 px) first; when the landmarker does not
        find this face there (a small face beside bigger ones: on wild_dev a 30 px
        face in a group photo), a tight crop (3x) second. A crop where BlazeFace
        finds no face near the box (:data:`PROPOSAL_REACH`) is not landmarked: the
        landmarker starts from the same detector, and its pass would find at most
        faces that are not this one (a doubtful proposal on hair or a shoulder in a
        group photo); the detections are those the pass then scores its faces with.
        """
        centre = (box[:2] + box[2:]) / 2
        others: list[Face] = []
        near = _grown(box, PROPOSAL_REACH)
        for half in _proposal_halves(box):
            faces, window = self._run_around(image, centre, half, pair, near=near)
            mine = []
            for f in faces:
                if _centre_inside(f.box, box[None]):
                    mine.append(f)
                elif _whole_in(f.box, window, image.shape):
                    others.append(f)
            if mine:
                return mine[0], others
        return None, others

    def _run_around(self, image: np.ndarray, centre, half: float, pair: tuple | None = None, *,
                    near: np.ndarray | None = None) -> tuple[list[Face], tuple[int, int, int, int]]:
        """One landmarker pass (with ``pair``, as :meth:`_run`) over the square window of half-side ``half``
        around ``centre`` (x, y), clipped to the photo: the faces' landmarks and boxes in photo pixels,
        and the window ``(x0, y0, x1, y1)`` it covered. ``near`` ``(x0, y0, x1, y1)`` (photo pixels): BlazeFace
        runs on the window first, and the landmarker only where it finds a face whose centre lies there
        (the landmarker starts from the same detector; no face is found otherwise)."""
        crop, x0, y0 = cut_window(image, (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half))
        window = (x0, y0, x0 + crop.shape[1], y0 + crop.shape[0])
        detections = None
        if near is not None:
            boxes, scores = detections = self._detections(crop, pair)
            if not _any_centre_in(boxes[scores >= self.min_confidence], np.asarray(near) - [x0, y0, x0, y0]):
                return [], window
        return [f.shift(x0, y0) for f in self._run(crop, pair, detections=detections)], window

    def detect_in(self, image: np.ndarray, window, *, refit: bool = False) -> list[Face]:
        """:meth:`detect` on the ``window`` ``(x0, y0, x1, y1)`` of ``image`` (clipped to it), the faces in
        the photo's pixels. ``refit`` defaults to False: the window already is a crop around the face
        the caller knows, where a refit would repeat the pass."""
        crop, x0, y0 = cut_window(image, window)
        return [f.shift(x0, y0) for f in self.detect(crop, refit=refit)]

    def _tiled(self, image: np.ndarray) -> list[Face]:
        """Search overlapping tiles (each resized to <= 1024 px) for small faces."""
        h, w = image.shape[:2]
        out: list[Face] = []
        for n in (2, 3, 4):
            th, tw = int(np.ceil(h / n * 1.3)), int(np.ceil(w / n * 1.3))
            if min(th, tw) < 96:
                break
            ys = np.linspace(0, h - th, n).astype(int) if h > th else [0]
            xs = np.linspace(0, w - tw, n).astype(int) if w > tw else [0]
            for y0 in ys:
                for x0 in xs:
                    tile = image[y0:y0 + th, x0:x0 + tw]
                    for f in self._run(tile):
                        # drop faces cut by the tile border (a neighbour tile has them whole)
                        bw = f.box[2] - f.box[0]
                        m = 0.02 * bw
                        cut = ((f.box[0] < m and x0 > 0) or (f.box[1] < m and y0 > 0)
                               or (f.box[2] > tile.shape[1] - m and x0 + tw < w)
                               or (f.box[3] > tile.shape[0] - m and y0 + th < h))
                        if not cut:
                            out.append(f.shift(x0, y0))
        return out


def _close_pair(pair: tuple) -> None:
    """Close a landmarker and detector of :meth:`FaceDetector._make_pair` (Nones skipped; never raises)."""
    for obj in pair:
        if obj is None:
            continue
        with contextlib.suppress(Exception):   # closing at exit must never raise
            obj.close()
        with contextlib.suppress(AttributeError):
            obj.close = lambda: None  # its __del__ must not retry


def cut_window(image: np.ndarray, window) -> tuple[np.ndarray, int, int]:
    """The ``window`` ``(x0, y0, x1, y1)`` of ``image`` (floats allowed; truncated and clipped to the image)
    as a contiguous crop, and the crop's top-left pixel ``x0, y0``."""
    h, w = image.shape[:2]
    x0, y0 = int(max(0, window[0])), int(max(0, window[1]))
    x1, y1 = int(min(w, window[2])), int(min(h, window[3]))
    return np.ascontiguousarray(image[y0:y1, x0:x1]), x0, y0


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0]); y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2]); y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    a = (box[2] - box[0]) * (box[3] - box[1])
    b = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(a + b - inter, 1e-6)


def _covered(box: np.ndarray, boxes: list[np.ndarray]) -> bool:
    """Whether ``box`` is a face one of ``boxes`` already holds: IoU above 0.3 with one, or its centre
    inside one."""
    if not boxes:
        return False
    found = np.stack(boxes)
    return bool(_iou(box, found).max() > 0.3 or _centre_inside(box, found))


def _whole_in(box: np.ndarray, window, shape, margin: float = 0.02) -> bool:
    """Whether ``box`` lies inside ``window`` ``(x0, y0, x1, y1)`` with a margin of ``margin`` of its width
    on every side the window does not share with the photo (of ``shape``): a face the window cuts
    is not whole there."""
    h, w = shape[:2]
    m = margin * float(box[2] - box[0])
    x0, y0, x1, y1 = window
    return ((x0 == 0 or box[0] >= x0 + m) and (y0 == 0 or box[1] >= y0 + m)
            and (x1 == w or box[2] <= x1 - m) and (y1 == h or box[3] <= y1 - m))


def _proposal_halves(box: np.ndarray) -> tuple[float, ...]:
    """Half-sides of the crops :meth:`FaceDetector._landmark_proposal` landmarks around a proposal ``box``,
    in order: the wide crop (4x its size, at least 192 px), then the tight one (3x)."""
    size = _side(box)
    return tuple(dict.fromkeys((max(96.0, 2.0 * size), 1.5 * size)))


def _grown(box: np.ndarray, share: float) -> np.ndarray:
    """``box`` ``(x0, y0, x1, y1)`` grown by ``share`` of its longer side on every side."""
    m = share * _side(box)
    return np.asarray(box, np.float32) + np.array([-m, -m, m, m], np.float32)


def _any_centre_in(boxes: np.ndarray, region: np.ndarray) -> bool:
    """Whether the centre of any of ``boxes`` ``(N, 4)`` lies inside ``region`` ``(x0, y0, x1, y1)``."""
    c = (boxes[:, :2] + boxes[:, 2:]) / 2
    return bool(np.any((region[0] <= c[:, 0]) & (c[:, 0] <= region[2]) & (region[1] <= c[:, 1]) & (c[:, 1] <= region[3])))


def _square(box: np.ndarray, half: float) -> np.ndarray:
    """The square window ``(x0, y0, x1, y1)`` of half-side ``half`` centred on ``box`` (not clipped)."""
    centre = (box[:2] + box[2:]) / 2
    return np.concatenate([centre - half, centre + half])


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether boxes ``a`` and ``b`` ``(x0, y0, x1, y1)`` share any area."""
    return bool(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])


def _side(box: np.ndarray) -> float:
    """The longer side of a box ``(x0, y0, x1, y1)``."""
    return float(max(box[2] - box[0], box[3] - box[1]))


def _centre_inside(box: np.ndarray, boxes: np.ndarray) -> bool:
    """Whether the centre of ``box`` lies inside any of ``boxes`` ``(N, 4)`` (then it is that face)."""
    cx, cy = (box[:2] + box[2:]) / 2
    return bool(np.any((boxes[:, 0] <= cx) & (cx <= boxes[:, 2]) & (boxes[:, 1] <= cy) & (cy <= boxes[:, 3])))


def _merge(primary: list[Face], extra: list[Face], thr: float = 0.3) -> list[Face]:
    """Union of detections; overlapping ones keep the most confident (primary on ties)."""
    out = list(primary)
    for f in sorted(extra, key=lambda f: -f.confidence):
        if out:
            ious = _iou(f.box, np.stack([g.box for g in out]))
            j = int(np.argmax(ious))
            if ious[j] > thr:
                if f.confidence > out[j].confidence + 0.05 and f.area >= 0.8 * out[j].area:
                    out[j] = f
                continue
        out.append(f)
    return out


def _plausible(face: Face) -> bool:
    x0, y0, x1, y1 = face.box
    return (x1 - x0) >= 8 and (y1 - y0) >= 8 and np.all(np.isfinite(face.landmarks))


_LOCAL = threading.local()


def get_detector(model_path: str | os.PathLike | None = None, **kwargs) -> FaceDetector:
    """A detector cached per thread and settings (cheap to call repeatedly).

    The key holds every setting with its default filled in, so ``get_detector()``
    and ``get_detector(search="proposals")`` share one MediaPipe instance.
    """
    bound = inspect.signature(FaceDetector).bind(None, **kwargs)
    bound.apply_defaults()
    key = (str(model_path) if model_path else None, tuple(sorted(bound.kwargs.items())))
    cache = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = {}
    if key not in cache:
        cache[key] = FaceDetector(model_path, **kwargs)
    return cache[key]


def detect_faces(image, *, face_model: str | os.PathLike | None = None, max_faces: int = 20,
                 min_confidence: float = 0.5, require: bool = False) -> list[Face]:
    """Faces in ``image`` (path, PIL image or ``(H, W, 3)`` array), largest first.

    With ``require=True`` raises :class:`FaceNotFoundError` when none is found.
    """
    from ganimation.images import as_rgb_array

    arr = as_rgb_array(image)
    faces = get_detector(face_model, max_faces=max_faces, min_confidence=min_confidence).detect(arr)
    if require and not faces:
        where = f"{image}" if isinstance(image, (str, Path, os.PathLike)) else "the image"
        raise FaceNotFoundError(
            f"no face found in {where}; use a photo with a clearly visible, roughly frontal face "
            "(at least ~40 px between the eyes)")
    return faces
