// Why a photo upload was refused, by code: the redirect back to /account carries the code,
// and the page shows the text from this fixed set (see src/platform/http/notices.ts).
export const PHOTO_ERRORS: Readonly<Record<string, string>> = {
  missing: 'Choose an image file to upload',
  unreadable: 'The upload could not be read',
  'too-big': 'Choose an image of at most 2 MB',
  type: 'Choose a PNG, JPEG or WebP image',
  unusable: 'The upload could not be used',
};
