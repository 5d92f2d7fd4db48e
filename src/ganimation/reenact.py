"""Portrait animation by a driving video (wg-GAN's warp stage) and one-photo expression transfer.

Pipeline per driving frame (Geng et al., "Warp-guided GANs for single-photo
facial animation", SIGGRAPH Asia 2018, geometric half):

1. track the driving face's 478 landmarks (:class:`~ganimation.motion.tracking.LandmarkTracker`,
   One-Euro smoothing, lost frames reuse the last good landmarks);
2. transfer its motion, head pose removed, rescaled per region, weighted by
   confidence, onto the source face (:class:`~ganimation.motion.transfer.MotionTransfer`);
3. warp the source photo with the triangulated warp at its own resolution
   (:func:`ganimation.warp.face.warp_face`) and shade an opened mouth
   (:func:`ganimation.warp.mouth.shade_mouth`);
4. (``stages``) refine the face with the learned refinement network and paint
   the inside of a mouth that opens wider than the source's with the mouth
   network (:mod:`ganimation.refine`; docs/wggan.md).

Use :func:`reenact` (a generator of frames) or :class:`Reenactor` for
the details of every frame (landmarks, displacement map).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ganimation.errors import FaceNotFoundError, GanimationError
from ganimation.motion.regions import REGION_CHOICES
from ganimation.motion.tracking import LandmarkTracker, TrackedFrame
from ganimation.motion.transfer import MotionTransfer, best_reference
from ganimation.warp.dense import SMOOTH
from ganimation.warp.face import FaceWarp, warp_face
from ganimation.warp.mouth import shade_mouth

log = logging.getLogger(__name__)

DRIVING_REFS = ("first", "best")


@dataclass
class ReenactFrame:
    """One output frame: ``image`` ``(H, W, 3)`` uint8 at the source's size, the ``warp``
    (landmarks, ROI, displacement map of the first animated face; None when the driving face was
    not yet seen) and the ``driving`` tracked frame."""

    image: np.ndarray
    warp: FaceWarp | None
    driving: TrackedFrame | None


def select_face(faces: list, face) -> object:
    """One face of a detection list (largest first): ``"largest"`` or an index."""
    from ganimation.faces.pipeline import select_faces

    if not faces:
        raise FaceNotFoundError("no face found in the source photo; use a photo with a clearly visible, "
                                "roughly frontal face")
    if face is None or face == "all":
        face = "largest"
    return faces[select_faces(faces, face)[0]]


class Reenactor:
    """Animates one face of ``source`` ``(H, W, 3)`` uint8.

    - ``face``: ``"largest"``, an index (faces sorted largest first) or ``"all"``: every face of the
      photo moves with the driving face, each by its own transfer (a group photo sings along).
    - ``region``: ``all``, ``mouth``, ``eyes`` or ``brows``: which part of the face moves.
    - ``driving_ref``: ``best`` (default: motion relative to the driving frame
      whose expression is closest to the source's, so a smiling source is not
      made to smile twice; tracks the whole video first, keeping only its
      landmarks) or ``first`` (relative to the first tracked frame; frames
      are streamed).
    - ``pose``: also transfer the driving head's rotation and position.
    - ``mouth``: shade the inside of a mouth that opens wider than the source's.
    - ``stages``: ``"warp"``, ``"warp,refine"`` or ``"warp,refine,mouth"`` (or a sequence);
      None (default): :data:`ganimation.refine.DEFAULT_STAGES` (the warp alone: the shipped
      networks fall short of their quality goal, docs/wggan.md). ``refiner_weights`` /
      ``mouth_weights``: other weights files for the learned stages.
    """

    def __init__(self, source: np.ndarray, *, face="largest", region: str = "all", driving_ref: str = "best",
                 pose: bool = False, mouth: bool = True, face_model: str | os.PathLike | None = None,
                 search: str = "proposals", source_face=None, stages=None,
                 refiner_weights: str | os.PathLike | None = None, mouth_weights: str | os.PathLike | None = None):
        from ganimation.faces.pipeline import find_faces
        from ganimation.images import as_rgb_array

        if region not in REGION_CHOICES:
            raise GanimationError(f"region {region!r}; choose one of {', '.join(REGION_CHOICES)}")
        if driving_ref not in DRIVING_REFS:
            raise GanimationError(f"driving_ref {driving_ref!r}; choose one of {', '.join(DRIVING_REFS)}")
        self.source = as_rgb_array(source)
        if source_face is not None:
            self.faces = [source_face]
        else:
            found = find_faces(self.source, face, face_model=face_model, search=search)
            self.faces = [select_face(found, face)] if face != "all" or len(found) < 2 else list(found)
        self.face = self.faces[0]
        self.region, self.driving_ref, self.pose, self.mouth = region, driving_ref, bool(pose), bool(mouth)
        self.face_model = face_model
        from ganimation.refine import Refinement, parse_stages

        self.stages = parse_stages(stages)
        self.refinement = (Refinement.load(refiner_weights, mouth_weights, use_mouth="mouth" in self.stages)
                           if "refine" in self.stages else None)
        self.lost = 0
        self.frames = 0

    def _transfer(self, reference: np.ndarray, face=None) -> MotionTransfer:
        """The transfer from the driving face's ``reference`` landmarks ``(478, 3)`` to ``face``
        (default: the first animated face)."""
        face = self.face if face is None else face
        return MotionTransfer.create(face.landmarks, reference, region=self.region, pose=self.pose)

    def render(self, transfer: MotionTransfer | list[MotionTransfer], tracked: TrackedFrame) -> ReenactFrame:
        """The output frame for one tracked driving frame: one transfer, or one per face (warped in
        turn, each where the warps before it moved it, as a photo's faces are edited)."""
        transfers = list(transfer) if isinstance(transfer, (list, tuple)) else [transfer]
        image, first = self.source, None
        placed = [np.array(t.source_landmarks, np.float64) for t in transfers]
        for n, t in enumerate(transfers):
            target = t.target(tracked.landmarks) + (placed[n] - t.source_landmarks)
            # read as the learned stages' training frames were warped
            fw = warp_face(image, placed[n], target, pose=t.source_pose, interpolation=SMOOTH)
            image = shade_mouth(fw.image, fw.source, fw.target, fw.iod) if self.mouth else fw.image
            if self.refinement is not None:
                image = self.refinement.refine_frame(image, fw, mouth="mouth" in self.stages)
            first = first or fw
            fw.warp.carry_all(placed[n + 1:])   # the faces after it, where this warp moved them
        return ReenactFrame(image=image, warp=first, driving=tracked)

    def run(self, driving: Iterable[np.ndarray], fps: float = 25.0, *, tracker: LandmarkTracker | None = None,
            ) -> Iterator[ReenactFrame]:
        """Yield one :class:`ReenactFrame` per driving frame ``(h, w, 3)`` uint8 (any size)."""
        tracker = tracker or LandmarkTracker(fps, face_model=self.face_model)
        if self.driving_ref == "best":
            yield from self._run_best(driving, tracker)
            return
        transfer = None
        for frame in driving:
            tracked = tracker.update(frame)
            self.frames += 1
            if tracked is None:           # no face seen yet: the source, unchanged
                yield ReenactFrame(image=self.source.copy(), warp=None, driving=None)
                continue
            if transfer is None:
                transfer = [self._transfer(tracked.landmarks, f) for f in self.faces]
            yield self.render(transfer, tracked)
        self.lost = tracker.lost
        if self.frames and transfer is None:
            raise FaceNotFoundError(f"no face found in any of the {self.frames} driving frame(s)")

    def _run_best(self, driving: Iterable[np.ndarray], tracker: LandmarkTracker) -> Iterator[ReenactFrame]:
        from ganimation.motion.frame import to_frame

        tracks: list[TrackedFrame | None] = []
        for frame in driving:
            t = tracker.update(frame)
            if t is not None:
                t.face = None  # keep only the landmarks in memory
            tracks.append(t)
        self.frames, self.lost = len(tracks), tracker.lost
        good = [t for t in tracks if t is not None]
        if not good:
            raise FaceNotFoundError(f"no face found in any of the {len(tracks)} driving frame(s)")
        driving = np.stack([to_frame(t.landmarks)[0] for t in good])
        refs = [good[best_reference(to_frame(f.landmarks)[0], driving)] for f in self.faces]
        log.info("driving reference: frame %s (closest expression to the source%s)",
                 ", ".join(str(r.index) for r in refs), "'s faces, each" if len(refs) > 1 else "")
        transfer = [self._transfer(r.landmarks, f) for r, f in zip(refs, self.faces)]
        for t in tracks:
            yield (ReenactFrame(image=self.source.copy(), warp=None, driving=None) if t is None
                   else self.render(transfer, t))


def reenact(source: np.ndarray, driving: Iterable[np.ndarray], *, fps: float = 25.0, **options) -> Iterator[np.ndarray]:
    """Animate the face in ``source`` (``(H, W, 3)`` uint8) by the driving frames; yields ``(H, W, 3)`` uint8 frames.

    ``driving`` is any iterable of ``(h, w, 3)`` uint8 frames (a list, or
    :func:`ganimation.video.open_frames` for a file); ``options`` are those of
    :class:`Reenactor`. Frames are streamed with ``driving_ref="first"``.
    """
    for out in Reenactor(source, **options).run(driving, fps):
        yield out.image
