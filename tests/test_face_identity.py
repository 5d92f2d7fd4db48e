"""The face-shape basis that keeps two people's face shapes out of ``edit --like`` (motion.identity)."""

from __future__ import annotations

import numpy as np
import pytest

from ganimation.aus import AU_CODES
from ganimation.errors import CheckpointError
from ganimation.geometry_edit import reference_motion
from ganimation.motion.au_model import AUMotionModel
from ganimation.motion.frame import mean_shape
from ganimation.motion.identity import IdentityBasis
from ganimation.motion.regions import REGIONS

EXPRESSION = sorted(set().union(*REGIONS.values()))


def _pixels(frame: np.ndarray) -> np.ndarray:
    """A face in frame coordinates placed in a photo (100 px per IOD)."""
    return frame * 100.0 + 300.0


def test_the_shipped_basis_is_orthonormal_over_the_expression_landmarks():
    basis = IdentityBasis.load()
    assert basis.rank == 16 and basis.components.shape == (16, 478, 2)
    columns, spread = basis.design(EXPRESSION)
    np.testing.assert_allclose(columns.T @ columns, np.eye(16), atol=1e-4)
    outside = np.setdiff1d(np.arange(478), EXPRESSION)
    assert np.all(basis.components[:, outside] == 0)
    assert np.all(np.diff(spread) <= 0) and spread[-1] > 0


def test_a_difference_of_face_shape_is_not_taken_for_an_expression():
    """A reference that differs from the photo's face only in face shape (two standard deviations along
    the basis's first two directions: another person, same expression) gives no AU change with the basis;
    fitted by the AUs alone it read as strong ones."""
    basis = IdentityBasis.load()
    other = mean_shape().copy()
    other[:, :2] += 2 * basis.std[0] * basis.components[0] + 2 * basis.std[1] * basis.components[1]
    src, ref = _pixels(mean_shape()), _pixels(other)
    assert np.abs(reference_motion(src, ref, identity=False)[1]).max() > 0.5
    assert np.abs(reference_motion(src, ref)[1]).max() < 0.2


@pytest.mark.parametrize("aus", [{"AU12": 0.6, "AU26": 0.4}, {"AU04": 0.8, "AU23": 0.5}, {"AU15": 0.7, "AU17": 0.4}])
def test_an_expression_of_the_same_face_is_still_transferred(aus):
    """A reference that is the photo's face with an expression: its motion is reproduced (at least 85 % of
    it along the reference's motion), the basis taking little of it."""
    model = AUMotionModel.load()
    c = np.zeros(len(AU_CODES))
    for code, value in aus.items():
        c[AU_CODES.index(code)] = value
    true = np.tensordot(c, np.asarray(model.basis, np.float64), 1)
    motion, _ = reference_motion(_pixels(mean_shape()), _pixels(mean_shape() + true))
    t, f = true[EXPRESSION, :2].ravel(), motion[EXPRESSION, :2].ravel()
    assert f @ t / (t @ t) > 0.85


def test_a_bad_basis_file_is_a_checkpoint_error(tmp_path):
    bad = tmp_path / "identity.npz"
    np.savez(bad, components=np.zeros((3, 10, 2)), std=np.ones(3))
    with pytest.raises(CheckpointError, match="identity basis"):
        IdentityBasis.load(bad)
    bad.write_bytes(b"not an npz")
    with pytest.raises(CheckpointError, match="reinstall"):
        IdentityBasis.load(bad)
    good = IdentityBasis.load()
    good.save(tmp_path / "copy.npz")
    np.testing.assert_allclose(IdentityBasis.load(tmp_path / "copy.npz").components, good.components, atol=1e-6)
