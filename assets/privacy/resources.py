"""The privacy stage's resource: the pseudonym key, and the PII engine over the shared parse.

It lives with the stage rather than in `assets.platform`: the engine is this stage's logic
(Presidio, the recognizers, the policy), and a platform resource that built it would import the
stage above it. The annotation stage uses the same resource for annotators' pseudonyms."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import ConfigurableResource

if TYPE_CHECKING:
    from spacy.language import Language

    from assets.privacy.anonymise import PiiEngine
    from assets.privacy.known_names import KnownNames
    from assets.privacy.policy import Policy


class PrivacyResource(ConfigurableResource):
    """The pseudonym key (HMAC). Comes from the environment; never logged."""

    pseudonym_key: str

    # Dagster builds a new resource object for every run, so a cache on the object would build
    # the engine again each run, and building its name regex takes seconds. The engine is kept
    # per process instead (`load_once`, counted), for the latest pipeline, policy and known-name
    # set: when a later partition makes more names known, the new engine replaces the old one.
    def engine(self, nlp: Language, policy: Policy, known: KnownNames) -> PiiEngine:
        """The PII engine for this pipeline, policy and name list; built lazily, once."""
        from assets.privacy.anonymise import pii_engine

        return pii_engine(nlp, policy, known)
