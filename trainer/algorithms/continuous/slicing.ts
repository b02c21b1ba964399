/** The yield point of the trainer service (trainer/service/time-slicer.ts), as the learners see it: they never need more. */
export interface TimeSlicerLike {
  pause(at: string): Promise<void>;
}
