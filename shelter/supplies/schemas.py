from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Rates(BaseModel):
    """The settings the estimate was made with (README: Supplies)."""

    meals_per_day: float = Field(description="Meals per person per day")
    water_litres_per_day: float = Field(description="Drinking water per person per day (L)")
    elderly_age: int = Field(description="From this age (by year of birth) a person is elderly")
    infant_age_below: int = Field(description="Under this age (by year of birth): an infant")


class Supply(BaseModel):
    """One day's needs for a group of people."""

    people: int
    meals: int = Field(description="Meals per day (rounded up)")
    allergy_meals: int = Field(description="Of those, meals for people with allergies")
    water_litres: float = Field(description="Drinking water per day, litres")
    infants: int = Field(description="People under infant_age_below, or with the infant need")
    allergies: int
    elderly: int = Field(description="People from elderly_age on, or with the elderly need")
    medical_care: int
    pets: int


class ShelterSupplies(BaseModel):
    id: str
    name: str
    open: bool
    inside: Supply
    outside: Supply = Field(description="Evacuees of this shelter who stay in a car, tent or home")
    total: Supply


class SupplyTotals(BaseModel):
    inside: Supply
    outside: Supply
    total: Supply


class Supplies(BaseModel):
    """Per shelter and in total, what is needed per day for the people there now (hq)."""

    as_of: datetime
    rates: Rates
    shelters: list[ShelterSupplies]
    total: SupplyTotals
