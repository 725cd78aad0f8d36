"""A read API in the shapes of the Hugging Face papers API."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["huggingface"])
