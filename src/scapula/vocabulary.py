"""Closed vocabularies of the assessment output (docs/intake.md, "What an assessment returns")."""

from enum import StrEnum

__all__ = ["LEVEL_ORDER", "ConditionId", "DriverId", "Level"]


class Level(StrEnum):
    """Triage levels, least to most urgent."""

    conservative = "conservative"
    medical_review = "medical_review"
    urgent = "urgent"
    emergency = "emergency"


LEVEL_ORDER: dict[Level, int] = {level: rank for rank, level in enumerate(Level)}


class DriverId(StrEnum):
    scapular_dyskinesis = "scapular_dyskinesis"
    rib_breathing = "rib_breathing"
    myofascial_referral = "myofascial_referral"
    neural_sensitivity = "neural_sensitivity"
    load_capacity = "load_capacity"
    postural = "postural"
    acute_strain = "acute_strain"
    thoracic_joint = "thoracic_joint"
    scapulothoracic = "scapulothoracic"


class ConditionId(StrEnum):
    acute_coronary_syndrome = "acute_coronary_syndrome"
    aortic_dissection = "aortic_dissection"
    pulmonary_embolism = "pulmonary_embolism"
    pneumothorax = "pneumothorax"
    cord_compression = "cord_compression"
    malignancy = "malignancy"
    spinal_infection = "spinal_infection"
    vertebral_fracture = "vertebral_fracture"
    visceral_referral = "visceral_referral"
    herpes_zoster = "herpes_zoster"
    axial_spondyloarthritis = "axial_spondyloarthritis"
    pancoast_tumor = "pancoast_tumor"
    cervical_radiculopathy = "cervical_radiculopathy"
    polymyalgia_rheumatica = "polymyalgia_rheumatica"
    giant_cell_arteritis = "giant_cell_arteritis"
    pericarditis = "pericarditis"
    rib_fracture = "rib_fracture"
    thoracic_outlet_syndrome = "thoracic_outlet_syndrome"
    peripheral_nerve_palsy = "peripheral_nerve_palsy"
    pre_eclampsia = "pre_eclampsia"
    oesophageal = "oesophageal"
